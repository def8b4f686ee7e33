import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';

for (const dialect of DIALECTS) {
  describe(`GET /api/search on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    let bob: TestUser;
    const search = async (as: TestUser, q: string, extra = '') => {
      const res = await t.request({
        method: 'GET',
        url: `/api/search?q=${encodeURIComponent(q)}${extra}`,
        as,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as {
        hits: { snippet: string; roomName: string; username: string; num: number }[];
        nextBefore: number | null;
      };
    };
    before(async () => {
      t = await startTestApp(dialect);
      alice = await t.user('alice');
      bob = await t.user('bob');
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
      await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: 'hush', kind: 'private' },
      });
      const texts = [
        ['ops', 'api-7 failed with E_CONN_RESET talking to redis'],
        ['ops', 'Alertmanager posts to https://am.example.com/api/v2/alerts every minute'],
        ['ops', 'the deployment of checkout finished'],
        ['hush', 'secret deployment plan'],
      ];
      for (const [room, text] of texts) {
        const res = await t.request({
          method: 'POST',
          url: `/api/rooms/${room}/messages`,
          as: alice,
          payload: { text },
        });
        assert.equal(res.statusCode, 201);
      }
    });
    after(() => t.dispose());

    test('finds error codes, URL paths and parts of words, with snippets', async () => {
      assert.match((await search(bob, 'E_CONN_RESET')).hits[0]!.snippet, /\*\*E_CONN_RESET\*\*/);
      assert.equal((await search(bob, '/api/v2/alerts')).hits.length, 1);
      const partial = await search(bob, 'ployment');
      assert.equal(partial.hits.length, 1, 'the private room stays hidden from bob');
      assert.equal(partial.hits[0]!.roomName, 'ops');
      assert.equal((await search(alice, 'ployment')).hits.length, 2);
    });

    test('filters and paging', async () => {
      assert.equal((await search(alice, 'deployment in:#hush')).hits.length, 1);
      assert.equal((await search(alice, 'deployment from:@bob')).hits.length, 0);
      assert.equal((await search(alice, 'deployment after:2000-01-01')).hits.length, 2);
      assert.equal((await search(alice, 'deployment before:2000-01-01')).hits.length, 0);
      const first = await search(alice, 'deployment', '&limit=1');
      assert.equal(first.hits.length, 1);
      assert.ok(first.nextBefore);
      const second = await search(alice, 'deployment', `&limit=1&before=${first.nextBefore}`);
      assert.notEqual(second.hits[0]!.num, first.hits[0]!.num);
    });

    test('a bad query is a 400 with a message', async () => {
      for (const q of ['', 'before:yesterday-ish', 'in:']) {
        const res = await t.request({
          method: 'GET',
          url: `/api/search?q=${encodeURIComponent(q)}`,
          as: alice,
        });
        assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
        assert.equal(res.json().error.code, 'E_VALIDATION');
      }
    });
  });
}
