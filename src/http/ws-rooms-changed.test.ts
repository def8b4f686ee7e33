// `rooms.changed`: someone added to a room (a new room with them in it, a direct conversation, an
// invitation, a join) hears it on every connection without being subscribed to that room, and a
// subscription from the frame's seq misses nothing; leaving tells the person's other connections.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../test/support/app.js';
import { DIALECTS } from '../../test/support/databases.js';
import { type Frame, WsTestClient } from '../../test/support/ws-client.js';

for (const dialect of DIALECTS) {
  describe(`rooms.changed over the WebSocket on ${dialect}`, () => {
    let t: TestApp;
    let url: string;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    const clients: WsTestClient[] = [];

    const connect = async (user: TestUser) => {
      const client = await WsTestClient.open(url, user.auth);
      clients.push(client);
      return client;
    };
    const changed = (client: WsTestClient, roomId: string, reason: string, from = 0) =>
      client.waitFor(
        (f) => f.type === 'rooms.changed' && f.roomId === roomId && f.reason === reason,
        10_000,
        from,
      );
    const call = async (user: TestUser, method: 'POST' | 'GET', path: string, payload?: object) => {
      const res = await t.request({ method, url: path, as: user, ...(payload ? { payload } : {}) });
      assert.ok(res.statusCode < 300, `${method} ${path}: ${res.statusCode} ${res.body}`);
      return res.body === '' ? undefined : res.json();
    };

    before(async () => {
      t = await startTestApp(dialect);
      url = `${(await t.listen()).replace(/^http/, 'ws')}/api/ws`;
      alice = await t.user('alice');
      bob = await t.user('bob');
      carol = await t.user('carol');
    });
    after(async () => {
      for (const client of clients) client.close();
      await t.dispose();
    });

    test('a direct conversation opened with you arrives on each of your connections', async () => {
      const [bobTab1, bobTab2, carolTab] = [await connect(bob), await connect(bob), await connect(carol)];
      const dm = await call(alice, 'POST', '/api/dms', { username: 'bob' });
      for (const tab of [bobTab1, bobTab2]) {
        const frame = await changed(tab, dm.id, 'added');
        const room = frame.room as { id: string; kind: string; isMember: boolean; memberCount: number };
        assert.deepEqual(
          { id: room.id, kind: room.kind, isMember: room.isMember, members: room.memberCount },
          { id: dm.id, kind: 'dm', isMember: true, members: 2 },
        );
        assert.equal(typeof frame.seq, 'number');
      }
      // Following from the frame's seq: the first message, posted before the subscription, still comes.
      const frame = await changed(bobTab1, dm.id, 'added');
      const first = await call(alice, 'POST', `/api/rooms/${dm.id}/messages`, { text: 'psst, bob' });
      const sub = await bobTab1.request({
        type: 'subscribe',
        id: 'dm',
        rooms: [{ room: dm.id, after: frame.seq }],
      });
      assert.equal(sub.type, 'subscribed');
      const event = await bobTab1.waitFor((f) => f.type === 'event' && f.event === 'message.created');
      assert.equal((event.data as { id: string }).id, first.id);
      // Carol is not in it and hears nothing of it.
      await call(alice, 'POST', '/api/rooms', { name: 'after-dm', members: ['carol'] });
      await changed(carolTab, (await call(carol, 'GET', '/api/rooms/after-dm')).id, 'added');
      assert.equal(
        carolTab.frames.some((f: Frame) => f.roomId === dm.id),
        false,
        'carol heard of a conversation she is not in',
      );
    });

    test('a new room with you in it, and being added to one later', async () => {
      const carolTab = await connect(carol);
      const room = await call(alice, 'POST', '/api/rooms', {
        name: 'incident-7',
        kind: 'incident',
        members: ['carol'],
      });
      const created = await changed(carolTab, room.id, 'added');
      assert.equal((created.room as { name: string }).name, 'incident-7');

      const bobTab = await connect(bob);
      const from = bobTab.frames.length;
      await call(alice, 'POST', '/api/rooms/incident-7/members', { username: 'bob' });
      const added = await changed(bobTab, room.id, 'added', from);
      assert.equal((added.room as { memberCount: number }).memberCount, 3);
      assert.equal((added.room as { lastSeq: number }).lastSeq, added.seq);
    });

    test('joining a room yourself reaches your other tabs; leaving removes it there', async () => {
      await call(alice, 'POST', '/api/rooms', { name: 'lobby' });
      const [here, there] = [await connect(bob), await connect(bob)];
      const joined = await call(bob, 'POST', '/api/rooms/lobby/join');
      await changed(there, joined.id, 'added');
      const from = there.frames.length;
      await call(bob, 'POST', '/api/rooms/lobby/leave');
      const removed = await changed(there, joined.id, 'removed', from);
      assert.equal(typeof removed.seq, 'number');
      await changed(here, joined.id, 'removed');
    });
  });
}
