import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';

for (const dialect of DIALECTS) {
  describe(`chat API on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    let bob: TestUser;
    let viewer: TestUser;
    before(async () => {
      t = await startTestApp(dialect);
      alice = await t.user('alice');
      bob = await t.user('bob');
      viewer = await t.user('vera', ['viewer']);
    });
    after(() => t.dispose());

    test('create a room, list it, fetch by name and by id', async () => {
      const created = await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: '#ops', topic: 'Production' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const room = created.json();
      assert.equal(room.name, 'ops');
      assert.equal(room.kind, 'public');
      const list = await t.request({ method: 'GET', url: '/api/rooms', as: bob });
      assert.ok(list.json().rooms.some((r: { name: string }) => r.name === 'ops'));
      assert.equal((await t.request({ method: 'GET', url: '/api/rooms/ops', as: bob })).json().id, room.id);
      assert.equal(
        (await t.request({ method: 'GET', url: `/api/rooms/${room.id}`, as: bob })).json().name,
        'ops',
      );
      const again = await t.request({ method: 'POST', url: '/api/rooms', as: bob, payload: { name: 'ops' } });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'E_CONFLICT');
    });

    test('post answers 201 with the stored message; history pages with before', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.request({
          method: 'POST',
          url: '/api/rooms/ops/messages',
          as: alice,
          payload: { text: `deploy ${i} @bob` },
        });
        assert.equal(res.statusCode, 201, res.body);
        const message = res.json();
        assert.equal(message.text, `deploy ${i} @bob`);
        assert.deepEqual(message.mentions, ['bob']);
        assert.equal(typeof message.seq, 'number');
        ids.push(message.id);
      }
      const latest = (
        await t.request({ method: 'GET', url: '/api/rooms/ops/messages?limit=2', as: bob })
      ).json().messages;
      assert.deepEqual(
        latest.map((m: { id: string }) => m.id),
        ids.slice(3),
      );
      const older = (
        await t.request({ method: 'GET', url: `/api/rooms/ops/messages?limit=2&before=${ids[3]}`, as: bob })
      ).json().messages;
      assert.deepEqual(
        older.map((m: { id: string }) => m.id),
        ids.slice(1, 3),
      );
    });

    test('threads, edits with history, reactions, pins and soft delete', async () => {
      const root = (
        await t.request({
          method: 'POST',
          url: '/api/rooms/ops/messages',
          as: alice,
          payload: { text: 'root' },
        })
      ).json();
      const reply = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        as: bob,
        payload: { text: 'in thread', threadId: root.id },
      });
      assert.equal(reply.statusCode, 201);
      const thread = (
        await t.request({ method: 'GET', url: `/api/rooms/ops/messages?threadId=${root.id}`, as: bob })
      ).json().messages;
      assert.deepEqual(
        thread.map((m: { text: string }) => m.text),
        ['root', 'in thread'],
      );
      assert.equal(thread[0].replyCount, 1);

      const notMine = await t.request({
        method: 'PATCH',
        url: `/api/messages/${root.id}`,
        as: bob,
        payload: { text: 'hijack' },
      });
      assert.equal(notMine.statusCode, 403);
      const edited = await t.request({
        method: 'PATCH',
        url: `/api/messages/${root.id}`,
        as: alice,
        payload: { text: 'root v2' },
      });
      assert.equal(edited.json().text, 'root v2');
      assert.ok(edited.json().editedAt);
      const edits = (
        await t.request({ method: 'GET', url: `/api/messages/${root.id}/edits`, as: bob })
      ).json().edits;
      assert.deepEqual(
        edits.map((e: { text: string }) => e.text),
        ['root'],
      );

      const reacted = await t.request({
        method: 'PUT',
        url: `/api/messages/${root.id}/reactions/${encodeURIComponent('👀')}`,
        as: bob,
      });
      assert.deepEqual(reacted.json().reactions, [{ emoji: '👀', count: 1, users: ['bob'] }]);
      const pinned = await t.request({ method: 'PUT', url: `/api/messages/${root.id}/pin`, as: bob });
      assert.equal(pinned.json().pinned, true);

      assert.equal(
        (await t.request({ method: 'DELETE', url: `/api/messages/${root.id}`, as: alice })).statusCode,
        204,
      );
      const gone = (await t.request({ method: 'GET', url: `/api/messages/${root.id}`, as: bob })).json();
      assert.ok(gone.deletedAt);
      assert.equal(gone.text, '');
    });

    test('cards are updated in place and their buttons raise card.action', async () => {
      const card = {
        title: 'Deploy api',
        color: 'info',
        fields: [{ title: 'env', value: 'staging' }],
        buttons: [{ actionId: 'cancel', label: 'Cancel', style: 'danger' }],
      };
      const posted = (
        await t.request({ method: 'POST', url: '/api/rooms/ops/messages', as: alice, payload: { card } })
      ).json();
      assert.equal(posted.card.title, 'Deploy api');
      const seen: string[] = [];
      const off = t.app.bus.subscribe('card.action', (e) => seen.push(e.payload.data.actionId));
      const updated = await t.request({
        method: 'PATCH',
        url: `/api/messages/${posted.id}`,
        as: alice,
        payload: { card: { ...card, color: 'good', title: 'Deployed api' } },
      });
      assert.equal(updated.json().id, posted.id);
      assert.equal(updated.json().card.title, 'Deployed api');
      const pressed = await t.request({
        method: 'POST',
        url: `/api/messages/${posted.id}/actions`,
        as: bob,
        payload: { actionId: 'cancel' },
      });
      assert.equal(pressed.statusCode, 202);
      const wrong = await t.request({
        method: 'POST',
        url: `/api/messages/${posted.id}/actions`,
        as: bob,
        payload: { actionId: 'nope' },
      });
      assert.equal(wrong.statusCode, 400);
      off();
      assert.deepEqual(seen, ['cancel']);
    });

    test('private rooms: non-members get 403, members can post', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: 'secret', kind: 'private', members: ['bob'] },
      });
      assert.equal(res.statusCode, 201, res.body);
      const outsider = await t.user('mallory');
      const post = await t.request({
        method: 'POST',
        url: '/api/rooms/secret/messages',
        as: outsider,
        payload: { text: 'hi' },
      });
      assert.equal(post.statusCode, 403);
      assert.equal(post.json().error.code, 'E_PERMISSION_DENIED');
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/rooms/secret/messages', as: outsider })).statusCode,
        403,
      );
      assert.ok(
        !(await t.request({ method: 'GET', url: '/api/rooms', as: outsider }))
          .json()
          .rooms.some((r: { name: string }) => r.name === 'secret'),
      );
      assert.equal(
        (await t.request({ method: 'POST', url: '/api/rooms/secret/join', as: outsider })).statusCode,
        403,
      );
      assert.equal(
        (
          await t.request({
            method: 'POST',
            url: '/api/rooms/secret/messages',
            as: bob,
            payload: { text: 'hi' },
          })
        ).statusCode,
        201,
      );
    });

    test('viewers can read but not post; no credentials is 401', async () => {
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/rooms/ops/messages', as: viewer })).statusCode,
        200,
      );
      assert.equal(
        (
          await t.request({
            method: 'POST',
            url: '/api/rooms/ops/messages',
            as: viewer,
            payload: { text: 'x' },
          })
        ).statusCode,
        403,
      );
      const anonymous = await t.request({ method: 'GET', url: '/api/rooms' });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().error.code, 'E_UNAUTHENTICATED');
      const badToken = await t.request({
        method: 'GET',
        url: '/api/rooms',
        headers: { authorization: 'Bearer opr_nope' },
      });
      assert.equal(badToken.statusCode, 401);
    });

    test('room events replay in sequence with no gaps', async () => {
      const events = (
        await t.request({ method: 'GET', url: '/api/rooms/ops/events?after=0', as: bob })
      ).json();
      const seqs = events.events.map((e: { seq: number }) => e.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i + 1),
      );
      assert.equal(events.lastSeq, seqs[seqs.length - 1]);
      assert.equal(events.events[0].event, 'room.created');
    });
  });
}
