// History pages by cursor: the newest page, before/after a message, and around one (jump-to-message
// in one request), with whether more exist on each side.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';

interface Page {
  messages: { id: string; text: string }[];
  hasOlder: boolean;
  hasNewer: boolean;
}

for (const dialect of DIALECTS) {
  describe(`history pages on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    const ids: string[] = [];
    let replyId = '';

    const page = async (query: string): Promise<Page> => {
      const res = await t.request({ method: 'GET', url: `/api/rooms/pages/messages?${query}`, as: alice });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const texts = (p: Page) => p.messages.map((m) => m.text);
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `m${String(from + i).padStart(2, '0')}`);

    before(async () => {
      t = await startTestApp(dialect);
      alice = await t.user('alice');
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'pages' } });
      for (let i = 0; i < 30; i++) {
        const res = await t.request({
          method: 'POST',
          url: '/api/rooms/pages/messages',
          as: alice,
          payload: { text: `m${String(i).padStart(2, '0')}` },
        });
        ids.push(res.json().id);
        if (i === 12) {
          // A reply: not in the room's timeline, so it never shifts a page.
          const reply = await t.request({
            method: 'POST',
            url: '/api/rooms/pages/messages',
            as: alice,
            payload: { text: 'a reply to m12', threadId: res.json().id },
          });
          replyId = reply.json().id;
        }
      }
    });
    after(() => t.dispose());

    test('the newest page says whether older messages exist', async () => {
      const newest = await page('limit=5');
      assert.deepEqual(texts(newest), range(25, 29));
      assert.equal(newest.hasOlder, true);
      assert.equal(newest.hasNewer, false);
      const all = await page('limit=30');
      assert.equal(all.messages.length, 30);
      assert.equal(all.hasOlder, false);
    });

    test('before and after a message page either way, oldest first', async () => {
      const older = await page(`limit=5&before=${ids[10]}`);
      assert.deepEqual(texts(older), range(5, 9));
      assert.deepEqual([older.hasOlder, older.hasNewer], [true, true]);
      const first = await page(`limit=5&before=${ids[3]}`);
      assert.deepEqual(texts(first), range(0, 2));
      assert.equal(first.hasOlder, false);
      const newer = await page(`limit=5&after=${ids[10]}`);
      assert.deepEqual(texts(newer), range(11, 15));
      assert.deepEqual([newer.hasOlder, newer.hasNewer], [true, true]);
      const last = await page(`limit=5&after=${ids[26]}`);
      assert.deepEqual(texts(last), range(27, 29));
      assert.equal(last.hasNewer, false);
    });

    test('around a message: it sits in the middle, full pages near either end', async () => {
      const middle = await page(`limit=7&around=${ids[15]}`);
      assert.deepEqual(texts(middle), range(12, 18));
      assert.deepEqual([middle.hasOlder, middle.hasNewer], [true, true]);
      // Near the start there is less before it: the page fills up with newer messages.
      const start = await page(`limit=7&around=${ids[1]}`);
      assert.deepEqual(texts(start), range(0, 6));
      assert.deepEqual([start.hasOlder, start.hasNewer], [false, true]);
      // Near the end, the other way round.
      const end = await page(`limit=7&around=${ids[28]}`);
      assert.deepEqual(texts(end), range(23, 29));
      assert.deepEqual([end.hasOlder, end.hasNewer], [true, false]);
    });

    test('around a reply centres on its thread’s first message; inside the thread, on the reply', async () => {
      const room = await page(`limit=5&around=${replyId}`);
      assert.deepEqual(texts(room), range(10, 14));
      const thread = await page(`limit=5&threadId=${ids[12]}&around=${replyId}`);
      assert.deepEqual(texts(thread), ['m12', 'a reply to m12']);
    });

    test('two cursors at once, or a message from elsewhere, is a 400 that says why', async () => {
      const both = await t.request({
        method: 'GET',
        url: `/api/rooms/pages/messages?before=${ids[3]}&around=${ids[5]}`,
        as: alice,
      });
      assert.equal(both.statusCode, 400);
      assert.match(both.json().error.message, /one of before, after and around/);
      const missing = await t.request({
        method: 'GET',
        url: '/api/rooms/pages/messages?around=m_nope',
        as: alice,
      });
      assert.equal(missing.statusCode, 400);
      assert.match(missing.json().error.message, /around: no message 'm_nope'/);
    });
  });
}
