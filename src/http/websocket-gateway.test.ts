import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../test/support/app.js';
import { DIALECTS } from '../../test/support/databases.js';
import { eventually } from '../../test/support/eventually.js';
import { contiguous, WsTestClient } from '../../test/support/ws-client.js';
import { attachWebSocketGateway } from './websocket-gateway.js';

for (const dialect of DIALECTS) {
  describe(`WebSocket gateway on ${dialect}`, () => {
    let t: TestApp;
    let url: string;
    let alice: TestUser;
    let bob: TestUser;
    let roomId: string;
    const clients: WsTestClient[] = [];

    const connect = async (user: TestUser) => {
      const client = await WsTestClient.open(url, user.auth);
      clients.push(client);
      return client;
    };
    const post = async (user: TestUser, room: string, text: string) => {
      const res = await t.request({
        method: 'POST',
        url: `/api/rooms/${room}/messages`,
        as: user,
        payload: { text },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; seq: number };
    };
    const lastSeq = async (room: string) =>
      (await t.request({ method: 'GET', url: `/api/rooms/${room}`, as: alice })).json().lastSeq as number;

    before(async () => {
      t = await startTestApp(dialect);
      url = `${(await t.listen()).replace(/^http/, 'ws')}/api/ws`;
      alice = await t.user('alice');
      bob = await t.user('bob');
      const res = await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
      roomId = res.json().id;
    });
    after(async () => {
      for (const client of clients) client.close();
      await t.dispose();
    });

    test('an upgrade needs a valid token or session; other paths are 404', async () => {
      const none = await WsTestClient.refusal(url);
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, 'E_UNAUTHENTICATED');
      const bad = await WsTestClient.refusal(url, { authorization: 'Bearer opsroom_nope' });
      assert.equal(bad.status, 401);
      assert.equal((await WsTestClient.refusal(`${url}?token=opsroom_nope`)).status, 401);
      assert.equal(
        (await WsTestClient.refusal(url.replace('/api/ws', '/api/other'), alice.auth)).status,
        404,
      );

      const viaQuery = await WsTestClient.open(`${url}?token=${alice.token}`);
      clients.push(viaQuery);
      assert.equal((await viaQuery.request({ type: 'ping', id: 'q' })).type, 'pong');
    });

    test('a session cookie works only from this server’s own origin', async () => {
      const session = await t.app.identity.startSession(await t.app.identity.requireUser('alice'));
      const cookie = `opsroom_session=${session.sessionId}`;
      const host = new URL(url).host;
      const foreign = await WsTestClient.refusal(url, { cookie, origin: 'https://evil.example' });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.error.code, 'E_PERMISSION_DENIED');
      assert.equal((await WsTestClient.refusal(url, { cookie })).status, 403, 'no Origin at all');
      const expired = await WsTestClient.refusal(url, {
        cookie: 'opsroom_session=stale',
        origin: `http://${host}`,
      });
      assert.equal(expired.status, 401);
      const client = await WsTestClient.open(url, { cookie, origin: `http://${host}` });
      clients.push(client);
      const subscribed = await client.request({ type: 'subscribe', id: 's', rooms: [{ room: 'ops' }] });
      assert.equal(subscribed.type, 'subscribed');
    });

    test('subscribe, then a REST post arrives as an event with the next seq', async () => {
      const client = await connect(bob);
      const subscribed = await client.request({ type: 'subscribe', id: 'sub1', rooms: [{ room: '#ops' }] });
      assert.equal(subscribed.type, 'subscribed');
      const [entry] = subscribed.rooms as { roomId: string; name: string; lastSeq: number }[];
      assert.equal(entry?.roomId, roomId);
      assert.equal(entry?.name, 'ops');
      const posted = await post(alice, 'ops', 'hello over the socket');
      assert.equal(posted.seq, entry.lastSeq + 1);
      const event = await client.waitForSeq(roomId, posted.seq);
      assert.equal(event.event, 'message.created');
      assert.equal(event.seq, posted.seq);
      assert.equal((event.data as { text: string }).text, 'hello over the socket');
      assert.deepEqual(client.seqs(roomId), [posted.seq], 'no replay without after, nothing twice');
    });

    test('resuming with after replays exactly what was missed', async () => {
      const first = await connect(bob);
      await first.request({ type: 'subscribe', id: 'a', rooms: [{ room: roomId }] });
      const seen = (await post(alice, 'ops', 'before the disconnect')).seq;
      await first.waitForSeq(roomId, seen);
      first.close();
      await first.closed();
      for (let i = 0; i < 25; i++) await post(alice, 'ops', `missed ${i}`);
      const end = await lastSeq('ops');

      const second = await connect(bob);
      const subscribed = await second.request({
        type: 'subscribe',
        id: 'b',
        rooms: [{ room: 'ops', after: seen }],
      });
      assert.equal((subscribed.rooms as { lastSeq: number }[])[0]?.lastSeq, end);
      assert.deepEqual(second.seqs(roomId), range(seen + 1, end));
      const texts = second.frames
        .filter((f) => f.type === 'event')
        .map((f) => (f.data as { text: string }).text);
      assert.equal(texts[0], 'missed 0');
      assert.equal(texts.at(-1), 'missed 24');

      const live = await post(bob, 'ops', 'live again');
      await second.waitForSeq(roomId, live.seq);
      assert.deepEqual(second.seqs(roomId), range(seen + 1, live.seq));
    });

    test('posts that land during a replay come through once each, in order', async () => {
      const start = await lastSeq('ops');
      // More than one replay page (500), so live events arrive while the replay is still paging.
      await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let i = 0; i < 150; i++) await post(alice, 'ops', `backlog ${w}.${i}`);
        }),
      );
      const client = await connect(bob);
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 25; i++) await post(bob, 'ops', `during ${w}.${i}`);
      });
      await client.waitFor(() => false, 30).catch(() => {}); // let the writers get going first
      client.send({ type: 'subscribe', id: 'r', rooms: [{ room: 'ops', after: start }] });
      await Promise.all(writers);
      const end = await lastSeq('ops');
      await client.waitForSeq(roomId, end);
      await client.waitFor((f) => f.type === 'subscribed');
      const seqs = client.seqs(roomId);
      assert.ok(contiguous(seqs, start + 1, end), `expected ${start + 1}..${end}, got ${describeSeqs(seqs)}`);
    });

    test('a private room is refused to non-members; leaving it ends the subscription', async () => {
      const created = await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: 'secret', kind: 'private', members: ['bob'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const carol = await t.user('carol');
      const outsider = await connect(carol);
      const refused = await outsider.request({
        type: 'subscribe',
        id: 'p',
        rooms: [{ room: 'secret' }, { room: 'ops' }],
      });
      assert.equal(refused.type, 'error');
      assert.equal(refused.code, 'E_PERMISSION_DENIED');
      assert.equal(refused.room, 'secret');
      const subscribed = await outsider.waitFor((f) => f.type === 'subscribed' && f.id === 'p');
      assert.deepEqual(
        (subscribed.rooms as { name: string }[]).map((r) => r.name),
        ['ops'],
      );
      const missing = await outsider.request({ type: 'subscribe', id: 'm', rooms: [{ room: 'nowhere' }] });
      assert.equal(missing.code, 'E_NOT_FOUND');

      const member = await connect(bob);
      await member.request({ type: 'subscribe', id: 'x', rooms: [{ room: 'secret' }] });
      const left = await t.request({ method: 'POST', url: '/api/rooms/secret/leave', as: bob });
      assert.ok(left.statusCode < 300, left.body);
      const dropped = await member.waitFor((f) => f.type === 'unsubscribed');
      assert.deepEqual(dropped.rooms, [created.json().id]);
      await post(alice, 'secret', 'after bob left');
      await member.request({ type: 'ping', id: 'sync' });
      const texts = member.frames.filter((f) => f.event === 'message.created');
      assert.equal(texts.length, 0, 'nothing from the private room after leaving');
    });

    test('bad frames get error frames and the connection stays open', async () => {
      const client = await connect(alice);
      client.send('{not json');
      assert.equal((await client.waitFor((f) => f.type === 'error')).code, 'E_BAD_JSON');
      const unknown = await client.request({ type: 'dance', id: 'u1' });
      assert.equal(unknown.code, 'E_VALIDATION');
      assert.match(String(unknown.message), /dance/);
      const shape = await client.request({ type: 'subscribe', id: 'u2', rooms: 'ops' });
      assert.equal(shape.code, 'E_VALIDATION');
      const extra = await client.request({ type: 'ping', id: 'u3', surprise: true });
      assert.equal(extra.code, 'E_VALIDATION');
      const from = client.frames.length;
      client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      assert.equal((await client.waitFor((f) => f.type === 'error', 5000, from)).code, 'E_VALIDATION');
      client.send('[]');
      assert.equal((await client.waitFor((f) => f.type === 'error', 5000, from + 1)).code, 'E_VALIDATION');
      const pong = await client.request({ type: 'ping', id: 'still-here' });
      assert.deepEqual(pong, { type: 'pong', id: 'still-here' });
      assert.equal(client.ws.readyState, client.ws.OPEN);
    });

    test('post over the socket is acknowledged with the stored message id and seq', async () => {
      const client = await connect(alice);
      await client.request({ type: 'subscribe', id: 's', rooms: [{ room: 'ops' }] });
      const ack = await client.request({ type: 'post', id: 'p1', room: 'ops', text: 'via ws' });
      assert.equal(ack.type, 'ack');
      const stored = await t.request({ method: 'GET', url: `/api/messages/${ack.messageId}`, as: bob });
      assert.equal(stored.json().text, 'via ws');
      await client.waitForSeq(roomId, ack.seq as number);
      const empty = await client.request({ type: 'post', id: 'p2', room: 'ops', text: '   ' });
      assert.equal(empty.code, 'E_VALIDATION');
      const viewer = await t.user('vic', ['viewer']);
      const readOnly = await connect(viewer);
      const denied = await readOnly.request({ type: 'post', id: 'p3', room: 'ops', text: 'hi' });
      assert.equal(denied.code, 'E_PERMISSION_DENIED');
    });

    test('revoking the token closes its open connections', async () => {
      const dave = await t.user('dave');
      const client = await connect(dave);
      const tokens = await t.request({ method: 'GET', url: '/api/tokens', as: dave });
      const tokenId = (tokens.json().tokens as { id: string }[])[0]!.id;
      const revoked = await t.request({ method: 'DELETE', url: `/api/tokens/${tokenId}`, as: dave });
      assert.ok(revoked.statusCode < 300, revoked.body);
      assert.equal(await client.closed(), 1008);
    });
  });
}

describe('WebSocket gateway heartbeat', () => {
  test('each beat re-checks every connection’s credential, one after another', async () => {
    const t = await startTestApp('sqlite');
    const server = createServer();
    const gateway = attachWebSocketGateway({
      server,
      identity: t.app.identity,
      chat: t.app.chat,
      db: t.database.db,
      bus: t.app.bus,
      metrics: t.app.metrics,
      logger: t.app.logger,
      ids: t.app.ids,
      heartbeatMs: 50,
    });
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const url = `ws://127.0.0.1:${port}/api/ws`;
      const users = await Promise.all(['erin', 'finn', 'gus'].map((name) => t.user(name)));
      const clients = await Promise.all(users.map((user) => WsTestClient.open(url, user.auth)));
      // Disabled behind the service's back: no event tells the gateway, only the beat's re-check.
      await t.database.db
        .updateTable('users')
        .set({ disabledAt: '2026-01-01T00:00:00.000Z' })
        .where('username', 'in', ['finn', 'gus'])
        .execute();
      await eventually(() => clients[1]!.closeCode === 1008 && clients[2]!.closeCode === 1008);
      // Erin's credential still holds. (A beat every 50 ms may still cut her off for a late pong on a
      // loaded machine: 1006, never the 1008 of a refused credential.)
      assert.notEqual(clients[0]!.closeCode, 1008);
      clients[0]!.close();
    } finally {
      await gateway.close();
      server.close();
      await t.dispose();
    }
  });
});

describe('WebSocket gateway shutdown', () => {
  test('closing the app closes sockets with 1001 and refuses new upgrades', async () => {
    const t = await startTestApp('sqlite');
    try {
      const url = `${(await t.listen()).replace(/^http/, 'ws')}/api/ws`;
      const client = await WsTestClient.open(url, t.admin.auth);
      await client.request({ type: 'ping', id: '1' });
      await t.app.close();
      assert.equal(await client.closed(), 1001);
    } finally {
      await t.dispose();
    }
  });
});

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function describeSeqs(seqs: number[]): string {
  const dupes = seqs.filter((s, i) => seqs.indexOf(s) !== i);
  return `${seqs.length} frames, first ${seqs[0]}, last ${seqs.at(-1)}, duplicates [${dupes.slice(0, 10)}]`;
}
