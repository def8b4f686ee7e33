import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/support/app.js';
import { DIALECTS } from '../../../../test/support/databases.js';
import { alertmanagerFixture } from '../../../../test/support/fixtures.js';
import { SYSTEM_ACTOR } from '../../../core/actor.js';
import type { MessageView } from '../../chat/schema.js';
import { messageIdOfTs } from './ts.js';

const fixtureText = (name: string) => alertmanagerFixture(name);

for (const dialect of DIALECTS) {
  describe(`Slack-compatible endpoints (${dialect})`, () => {
    let t: TestApp;
    let alice: TestUser;
    let hookPath: string;

    const history = async (room = 'alerts'): Promise<MessageView[]> =>
      (await t.request({ method: 'GET', url: `/api/rooms/${room}/messages?limit=200`, as: t.admin })).json()
        .messages;
    const slackApi = (method: string, payload: unknown, as: TestUser | null = alice) =>
      t.request({
        method: 'POST',
        url: `/api/slack/${method}`,
        payload: payload as object,
        ...(as ? { as } : {}),
      });

    before(async () => {
      t = await startTestApp(dialect);
      alice = await t.user('alice');
      for (const name of ['alerts', 'ops']) {
        await t.request({ method: 'POST', url: '/api/rooms', payload: { name }, as: t.admin });
      }
      await t.request({
        method: 'POST',
        url: '/api/rooms',
        payload: { name: 'secret', kind: 'private' },
        as: t.admin,
      });
      const created = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'slack', room: 'alerts' });
      hookPath = new URL(created.url).pathname;
    });
    after(() => t.dispose());

    test("Alertmanager's slack_configs bodies: one card per group, updated in place, thread records the change", async () => {
      const post = (body: string) =>
        t.request({
          method: 'POST',
          url: hookPath,
          headers: { 'content-type': 'application/json' },
          payload: body,
        });
      const firing = await post(fixtureText('am025-slack-firing.json'));
      assert.equal(firing.statusCode, 200);
      assert.equal(firing.body, 'ok');
      assert.match(String(firing.headers['content-type']), /^text\/plain/);
      // An HA twin sends the same body again: still one card.
      assert.equal((await post(fixtureText('am025-slack-firing.json'))).statusCode, 200);
      assert.equal((await post(fixtureText('am025-slack-resolved.json'))).statusCode, 200);
      const cards = (await history()).filter((m) => m.card?.title.endsWith('DiskFull slacky (critical)'));
      assert.equal(cards.length, 1);
      assert.equal(cards[0]!.card!.title, '[RESOLVED] DiskFull slacky (critical)');
      assert.equal(cards[0]!.card!.color, 'good');
      const thread = (
        await t.request({
          method: 'GET',
          url: `/api/rooms/alerts/messages?threadId=${cards[0]!.id}`,
          as: t.admin,
        })
      ).json().messages as MessageView[];
      assert.deepEqual(
        thread.filter((m) => m.id !== cards[0]!.id).map((m) => m.card?.title),
        ['[RESOLVED] DiskFull slacky (critical)'],
      );
    });

    test("slack_configs with every default replaced: Alertmanager's User-Agent keeps one card per group", async () => {
      // username and title_link templated away: only the request's User-Agent says Alertmanager sent it.
      const body = (status: 'FIRING' | 'RESOLVED', color: string) => ({
        channel: '#alerts',
        username: 'PromBot',
        attachments: [
          {
            title: `OwnTemplates is ${status}`,
            title_link: 'https://grafana.example/d/disk',
            text: '• disk 97% full on s-2:9100',
            color,
            fields: [{ title: 'Firing', value: status === 'FIRING' ? '2' : '0', short: true }],
          },
        ],
      });
      const post = (payload: object, userAgent = 'Alertmanager/0.25.0') =>
        t.request({ method: 'POST', url: hookPath, headers: { 'user-agent': userAgent }, payload });
      for (const payload of [
        body('FIRING', '#d63232'),
        body('FIRING', '#d63232'),
        body('RESOLVED', '#2eb886'),
      ])
        assert.equal((await post(payload)).statusCode, 200);
      const cards = (await history()).filter((m) => m.card?.title.startsWith('OwnTemplates'));
      assert.deepEqual(
        cards.map((m) => [m.card?.title, m.card?.color, m.card?.fields?.[0]?.value]),
        [['OwnTemplates is RESOLVED', '#2eb886', '0']],
      );
      // The same body from another sender is an ordinary message: a card each.
      await post(body('FIRING', '#d63232'), 'curl/8.0');
      await post(body('FIRING', '#d63232'), 'curl/8.0');
      const ordinary = (await history()).filter((m) => m.card?.title === 'OwnTemplates is FIRING');
      assert.equal(ordinary.length, 2);
    });

    test('a payload= form body with Block Kit becomes a card; other messages each get their own', async () => {
      const payload = JSON.stringify({
        text: 'fallback',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Deploy finished' } },
          {
            type: 'section',
            text: { type: 'mrkdwn', text: '*api* v2 is live <https://ci.example/9|build 9>' },
          },
        ],
      });
      const response = await t.request({
        method: 'POST',
        url: hookPath,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ payload }).toString(),
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.body, 'ok');
      const card = (await history()).at(-1)!.card!;
      assert.equal(card.title, 'Deploy finished');
      assert.equal(card.text, '**api** v2 is live [build 9](https://ci.example/9)');
    });

    test('bad input: wrong token, bad JSON, no text, a form without payload; nothing is posted', async () => {
      const before = (await history()).length;
      const wrong = await t.request({ method: 'POST', url: '/hooks/slack/nope', payload: { text: 'hi' } });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().error.code, 'E_UNAUTHENTICATED');
      const badJson = await t.request({
        method: 'POST',
        url: hookPath,
        headers: { 'content-type': 'application/json' },
        payload: '{"text":',
      });
      assert.equal(badJson.statusCode, 400);
      assert.equal(badJson.json().error.code, 'E_BAD_JSON');
      const empty = await t.request({ method: 'POST', url: hookPath, payload: { text: '' } });
      assert.equal(empty.statusCode, 400);
      assert.match(empty.json().error.message, /no_text/);
      const form = await t.request({
        method: 'POST',
        url: hookPath,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'text=hello',
      });
      assert.equal(form.statusCode, 400);
      const badPayload = await t.request({
        method: 'POST',
        url: hookPath,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'payload=%7Bnope',
      });
      assert.equal(badPayload.json().error.code, 'E_BAD_JSON');
      const huge = await t.request({
        method: 'POST',
        url: hookPath,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ text: 'x'.repeat(5 * 1024 * 1024) }),
      });
      assert.equal(huge.statusCode, 413);
      assert.equal(huge.json().error.code, 'E_PAYLOAD_TOO_LARGE');
      assert.equal((await history()).length, before);
      // The form parser is scoped to the Slack routes: elsewhere a form body is still refused.
      const elsewhere = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'text=hi',
        as: alice,
      });
      assert.equal(elsewhere.statusCode, 415);
    });

    test('chat.postMessage, thread_ts and chat.update round-trip through ts', async () => {
      const posted = await slackApi('chat.postMessage', { channel: '#ops', text: 'Deploy *started*' });
      assert.equal(posted.statusCode, 200);
      const body = posted.json();
      assert.equal(body.ok, true, posted.body);
      assert.match(body.ts, /^\d+\.\d+$/);
      const messageId = messageIdOfTs(body.ts)!;
      const ops = await history('ops');
      const root = ops.find((m) => m.id === messageId)!;
      assert.equal(root.text, 'Deploy **started**');
      assert.equal(body.channel, root.roomId);

      const reply = (
        await slackApi('chat.postMessage', {
          channel: body.channel,
          thread_ts: body.ts,
          attachments: [{ color: 'good', title: 'step 1', text: 'ok' }],
        })
      ).json();
      assert.equal(reply.ok, true);
      assert.equal(reply.message.thread_ts, body.ts);
      const threadReply = (await history('ops')).find((m) => m.id === messageIdOfTs(reply.ts));
      assert.equal(threadReply, undefined, 'a thread reply is not in the room history');

      const updated = (
        await slackApi('chat.update', {
          channel: 'ops',
          ts: body.ts,
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Deploy *finished*' } }],
        })
      ).json();
      assert.deepEqual([updated.ok, updated.ts, updated.channel], [true, body.ts, body.channel]);
      const after = (await history('ops')).find((m) => m.id === messageId)!;
      assert.equal(after.card?.title, 'Deploy **finished**'.replace(/\*\*/g, ''));
      assert.equal(after.text, '');
      assert.notEqual(after.editedAt, null);
    });

    test('chat.postMessage accepts a form body with the token and JSON-string attachments', async () => {
      const response = await t.request({
        method: 'POST',
        url: '/api/slack/chat.postMessage',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          token: alice.token,
          channel: 'ops',
          attachments: JSON.stringify([{ title: 'from a form', color: 'danger' }]),
        }).toString(),
      });
      const body = response.json();
      assert.equal(body.ok, true, response.body);
      const card = (await history('ops')).find((m) => m.id === messageIdOfTs(body.ts))!.card!;
      assert.deepEqual([card.title, card.color], ['from a form', 'danger']);
    });

    test('errors as Slack gives them: 200 with {ok:false, error}', async () => {
      const cases: [unknown, TestUser | null, string][] = [
        [{ channel: 'ops', text: 'x' }, null, 'not_authed'],
        [{ channel: 'nowhere', text: 'x' }, alice, 'channel_not_found'],
        [{ channel: 'secret', text: 'x' }, alice, 'not_in_channel'],
        [{ channel: 'ops', text: '' }, alice, 'no_text'],
        [{ channel: 'ops', blocks: '[oops' }, alice, 'invalid_blocks'],
        [{ channel: 'ops', text: 'x', thread_ts: '1503435956.000247' }, alice, 'thread_not_found'],
      ];
      for (const [payload, as, error] of cases) {
        const response = await slackApi('chat.postMessage', payload, as);
        assert.equal(response.statusCode, 200);
        assert.deepEqual(
          [response.json().ok, response.json().error],
          [false, error],
          JSON.stringify(payload),
        );
      }
      const badToken = await t.request({
        method: 'POST',
        url: '/api/slack/chat.postMessage',
        headers: { authorization: 'Bearer opr_nope' },
        payload: { channel: 'ops', text: 'x' },
      });
      assert.equal(badToken.json().error, 'invalid_auth');
      const mine = (await slackApi('chat.postMessage', { channel: 'ops', text: 'mine' })).json();
      const bob = await t.user('bob');
      assert.equal(
        (await slackApi('chat.update', { channel: 'ops', ts: mine.ts, text: 'x' }, bob)).json().error,
        'cant_update_message',
      );
      assert.equal(
        (await slackApi('chat.update', { channel: 'alerts', ts: mine.ts, text: 'x' })).json().error,
        'message_not_found',
      );
      assert.equal(
        (await slackApi('chat.update', { channel: 'ops', ts: '1.2', text: 'x' })).json().error,
        'message_not_found',
      );
    });
  });
}
