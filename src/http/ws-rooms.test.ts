import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { DIALECTS } from '../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../core/actor.js';
import { roomEventsSince } from '../domains/chat/room-stream.js';
import { RoomHub, type Subscriber } from './ws-rooms.js';

/** Decodes the unmasked text frames the hub writes back into their seqs. */
function seqOf(wire: Buffer): number {
  const length = wire[1]! & 0x7f;
  const header = length < 126 ? 2 : length === 126 ? 4 : 10;
  return (JSON.parse(wire.subarray(header).toString('utf8')) as { seq: number }).seq;
}

class FakeSubscriber implements Subscriber {
  readonly seqs: number[] = [];
  readonly open = true;
  /** Called before each replay page: lets a test publish while the replay is in progress. */
  beforePage: (page: number) => Promise<void> | void = () => {};
  private pages = 0;
  constructor(readonly userId = 'u_test') {}
  write(wire: Buffer): void {
    this.seqs.push(seqOf(wire));
  }
  async writable(): Promise<void> {
    await this.beforePage(this.pages++);
  }
  dropped(): void {}
}

for (const dialect of DIALECTS) {
  describe(`room fan-out ordering on ${dialect}`, () => {
    let t: TestApp;
    let hub: RoomHub;
    let room: { id: string; kind: string; lastSeq: number };

    const frames = async (afterSeq: number) => roomEventsSince(t.app.database.db, room.id, afterSeq, 10_000);
    const postMany = async (n: number) => {
      for (let i = 0; i < n; i++) await t.app.chat.messages.post(SYSTEM_ACTOR, room.id, { text: `m${i}` });
    };
    const current = async () => Number((await t.app.chat.rooms.get(SYSTEM_ACTOR, room.id)).lastSeq);
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    };

    before(async () => {
      t = await startTestApp(dialect);
      hub = new RoomHub({ db: t.app.database.db, logger: pino({ level: 'silent' }), onSent: () => {} });
      const created = await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'stream' });
      room = { id: created.id, kind: created.kind, lastSeq: created.lastSeq };
    });
    after(() => t.dispose());

    test('events published out of order are delivered in order, duplicates once', async () => {
      const start = await current();
      const sub = new FakeSubscriber();
      const joined = hub.join(sub, { ...room, lastSeq: start }, start);
      await joined.live;
      await postMany(4);
      const rows = await frames(start);
      for (const i of [1, 0, 0, 3, 2, 1, 3]) hub.publish(room.id, rows[i]!.seq, rows[i]!.frame);
      assert.deepEqual(sub.seqs, [start + 1, start + 2, start + 3, start + 4]);
      hub.leave(joined);
    });

    test('a seq that never comes over the bus is read from the database', async () => {
      const start = await current();
      const sub = new FakeSubscriber();
      const joined = hub.join(sub, { ...room, lastSeq: start }, start);
      await joined.live;
      await postMany(3);
      const rows = await frames(start);
      hub.publish(room.id, rows[2]!.seq, rows[2]!.frame); // seq start+1 and start+2 are lost
      assert.deepEqual(sub.seqs, []);
      await until(() => sub.seqs.length === 3);
      assert.deepEqual(sub.seqs, [start + 1, start + 2, start + 3]);
      hub.leave(joined);
    });

    test('events arriving during a multi-page replay are held and sent once, in order', async () => {
      const start = await current();
      await postMany(1200); // three replay pages
      const live = new FakeSubscriber('u_live');
      const liveSub = hub.join(live, { ...room, lastSeq: await current() }, await current());
      await liveSub.live;
      const replaying = new FakeSubscriber('u_replay');
      let end = 0;
      replaying.beforePage = async (page) => {
        if (page !== 2) return;
        // Before the last page is read: three posts commit and are published (so the page and the
        // held events overlap), and two more are published that the page cannot contain yet.
        const before = await current();
        await postMany(3);
        const committed = await frames(before);
        for (const row of committed) hub.publish(room.id, row.seq, row.frame);
        end = before + 5;
        const ahead = (seq: number) => JSON.stringify({ type: 'event', roomId: room.id, seq });
        hub.publish(room.id, end, ahead(end));
        hub.publish(room.id, end - 1, ahead(end - 1));
        hub.publish(room.id, committed[0]!.seq, committed[0]!.frame);
      };
      const sub = hub.join(replaying, { ...room, lastSeq: await current() }, start);
      await sub.live;
      assert.deepEqual(
        replaying.seqs,
        Array.from({ length: end - start }, (_, i) => start + i + 1),
      );
      assert.deepEqual(live.seqs, [end - 4, end - 3, end - 2, end - 1, end]);
      hub.leave(sub);
      hub.leave(liveSub);
      assert.equal(hub.subscriberCount(), 0);
    });
  });
}
