import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { pino } from 'pino';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import type { Integration } from '../integrations/schema.js';
import { FLUSH_TASK, flushKey } from './ingest.js';

// A flush posts its card and records it on the group in ONE transaction, with the end of its task:
// when the group's write fails, the card is not there either and nobody heard of it; the task stays and
// its retry posts the one card. (Before, the card committed first: a failure or a crash between the
// two left a card the group did not know about, and the flush run again posted a second one.)
for (const dialect of DIALECTS) {
  describe(`an alert group's flush commits its card with the group (${dialect})`, () => {
    const clock = new FakeClock('2026-03-01T00:00:00Z');
    const logged: string[] = [];
    const created: { roomId: string; id: string; card: boolean }[] = [];
    let t: TestApp;
    let integration: Integration;

    before(async () => {
      t = await startTestApp(dialect, {
        clock,
        config: {
          alerts: { route: { group_wait: '0s' }, rate_limit: { per_minute: 60, burst: 1 } },
        },
        logger: pino({ level: 'error' }, { write: (line: string) => void logged.push(line) }),
      });
      await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
      ({ integration } = await t.app.integrations.create(SYSTEM_ACTOR, {
        kind: 'alertmanager',
        room: 'alerts',
      }));
      t.app.bus.subscribe('message.created', (e) =>
        created.push({ roomId: e.payload.roomId, id: e.payload.data.id, card: e.payload.data.card !== null }),
      );
    });
    after(() => t.dispose());

    /** A real failure in the database: the group's update that records its card is refused. */
    const refuseCardOnGroup = async () => {
      const db = t.app.database.db;
      if (dialect === 'sqlite') {
        await sql`create trigger refuse_card before update of message_id on alert_groups
          when old.message_id is null and new.message_id is not null
          begin select raise(abort, 'injected: the group write fails'); end`.execute(db);
      } else {
        await sql`create function refuse_card() returns trigger language plpgsql as $$
          begin raise exception 'injected: the group write fails'; end $$`.execute(db);
        await sql`create trigger refuse_card before update on alert_groups for each row
          when (old.message_id is null and new.message_id is not null)
          execute function refuse_card()`.execute(db);
      }
      return async () => {
        await sql`drop trigger refuse_card${dialect === 'sqlite' ? sql`` : sql` on alert_groups`}`.execute(
          db,
        );
      };
    };

    it('a failed group write leaves no card and no message.created; the retry posts exactly one', async () => {
      const allow = await refuseCardOnGroup();
      await t.app.alerts.ingestion.ingest(integration, [
        { labels: { alertname: 'OneCard', instance: 'a' }, status: 'firing' },
      ]);
      await t.app.alerts.idle();
      const db = t.app.database.db;
      const group = () =>
        db
          .selectFrom('alertGroups')
          .select(['id', 'messageId'])
          .where('alertname', '=', 'OneCard')
          .executeTakeFirstOrThrow();
      const cards = async () =>
        (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 100 })).filter((m) =>
          m.card?.title.includes('OneCard'),
        );
      const flushRows = () =>
        db.selectFrom('scheduledTasks').select('key').where('kind', '=', FLUSH_TASK).execute();

      assert.ok(
        logged.some((l) => l.includes('injected: the group write fails')),
        'the flush failed on the group write',
      );
      assert.equal((await group()).messageId, null);
      assert.deepEqual(await cards(), [], 'the card rolled back with the group');
      assert.equal(
        await db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('card', 'is not', null)
          .executeTakeFirstOrThrow()
          .then((r) => Number(r.n)),
        0,
      );
      assert.deepEqual(
        created.filter((c) => c.card),
        [],
        'no message.created for a card that was rolled back',
      );
      assert.equal((await flushRows()).length, 1, 'the flush task is still stored');

      // The database accepts the write again; the retry (30 s later) posts the card, once.
      await allow();
      await clock.advanceAsync(30_000);
      await t.app.alerts.idle();
      const [card, ...more] = await cards();
      assert.ok(card);
      assert.deepEqual(more, []);
      assert.equal((await group()).messageId, card.id);
      assert.deepEqual(
        created.filter((c) => c.card),
        [{ roomId: integration.roomId, id: card.id, card: true }],
      );
      assert.deepEqual(await flushRows(), [], 'the flush task ended with the card');

      // A flush run again (the group is unchanged) posts nothing more.
      const groupId = (await group()).id;
      await t.app.alerts.scheduler.schedule({
        key: flushKey(groupId),
        kind: FLUSH_TASK,
        dueMs: clock.nowMs(),
        payload: { groupId },
      });
      await t.app.alerts.idle();
      assert.equal((await cards()).length, 1);
      assert.equal(created.filter((c) => c.card).length, 1);
    });

    it('a flush that waits for the rate limit stores its later time (a restart keeps the wait)', async () => {
      await clock.advanceAsync(60_000); // a full bucket: one card now, the next a second later
      await t.app.alerts.ingestion.ingest(integration, [
        { labels: { alertname: 'First', instance: 'a' }, status: 'firing' },
        { labels: { alertname: 'Second', instance: 'a' }, status: 'firing' },
      ]);
      await t.app.alerts.idle();
      const db = t.app.database.db;
      const ids = await db
        .selectFrom('alertGroups')
        .select(['id', 'alertname'])
        .where('alertname', 'in', ['First', 'Second'])
        .execute();
      const nameOf = new Map(ids.map((g) => [flushKey(g.id), g.alertname]));
      const rows = async () =>
        (
          await db
            .selectFrom('scheduledTasks')
            .select(['key', 'dueAt'])
            .where('key', 'in', [...nameOf.keys()])
            .execute()
        ).map((r) => `${nameOf.get(r.key)}@${r.dueAt}`);
      const titles = async () =>
        (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 100 }))
          .map((m) => m.card?.title ?? '')
          .filter((x) => / (First|Second)/.test(x));
      assert.equal((await titles()).length, 1);
      const waiting = await rows();
      assert.equal(waiting.length, 1, 'the waiting flush is stored');
      assert.match(waiting[0]!, new RegExp(`@${new Date(clock.nowMs() + 1000).toISOString()}$`));
      await clock.advanceAsync(1000);
      await t.app.alerts.idle();
      assert.equal((await titles()).length, 2);
      assert.deepEqual(await rows(), []);
    });
  });
}
