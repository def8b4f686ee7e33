/**
 * API token scopes bound what the token's actor may do, on every way in: REST, bot runs, lines posted
 * in rooms (REST, WebSocket, the Slack-compatible API), card buttons and configured `hear` listeners.
 * The rule is `boundByScopes` (core/actor.ts), applied in `IdentityService.actorFor`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { WsTestClient } from '../../../test/support/ws-client.js';
import { isAdmin, SYSTEM_ACTOR, type TokenScope } from '../../core/actor.js';
import { defineCommand } from '../bot/command.js';
import { SUGGESTION_ACTION } from '../bot/natural-language-card.js';

/** A stand-in for any command whose permission only the admin role grants (`*`). */
const maintenance = defineCommand({
  name: 'maintenance',
  summary: 'Admins only',
  usage: ['maintenance'],
  args: {},
  permission: 'maintenance:run',
  instant: true,
  run: () => 'maintenance done',
});

/** A risky command (confirmation first) that says whether it ran as an admin. */
const reveal = defineCommand({
  name: 'reveal',
  summary: 'Says who it runs as, after a confirmation',
  usage: ['reveal'],
  args: {},
  permission: 'bot:use',
  risk: 'confirm',
  instant: true,
  run: ({ actor }) => `ran as admin: ${isAdmin(actor)}`,
});

/** The same, run only once someone else approves it. */
const revealApproved = defineCommand({
  name: 'reveal-approved',
  summary: 'Says who it runs as, after an approval',
  usage: ['reveal-approved'],
  args: {},
  permission: 'bot:use',
  risk: 'approval',
  instant: true,
  run: ({ actor }) => `ran as admin: ${isAdmin(actor)}`,
});

const AUDIT_REFUSED = /You need the `audit:read` permission/;

for (const dialect of DIALECTS) {
  describe(`API token scopes on ${dialect}`, () => {
    let t: TestApp;
    let url: string;
    /** root (an admin) with a read,write token; `t.admin` is root with read,write,admin. */
    let rootRw: TestUser;
    let rootRead: TestUser;

    const tokenFor = async (username: string, scopes: TokenScope[]): Promise<TestUser> => {
      const created = await t.app.identity.createToken(SYSTEM_ACTOR, { username, name: 'scopes', scopes });
      return { username, token: created.token, auth: { authorization: `Bearer ${created.token}` } };
    };
    const run = async (as: TestUser, line: string) => {
      const res = await t.request({ method: 'POST', url: '/api/bot/run', as, payload: { line } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { outcome: string; text: string; exitCode: number };
    };
    /** Posts in #ops as `as` and returns the bot's answer to it. */
    const say = async (as: TestUser, text: string) => {
      const res = await t.request({ method: 'POST', url: '/api/rooms/ops/messages', as, payload: { text } });
      assert.equal(res.statusCode, 201, res.body);
      return botAnswerAfter(res.json().seq as number);
    };
    const botAnswerAfter = async (seq: number) => {
      await t.app.bot.dispatcher.drain();
      await t.app.extensions.listeners.drain();
      await t.app.bot.idle();
      const events = (
        await t.request({ method: 'GET', url: `/api/rooms/ops/events?after=${seq}`, as: t.admin })
      ).json().events as { event: string; data: { username?: string; text?: string } }[];
      const answer = events.find((e) => e.event === 'message.created' && e.data.username === 'opsbot');
      assert.ok(answer, 'the bot answered');
      return answer.data.text ?? '';
    };

    before(async () => {
      t = await startTestApp(dialect, {
        config: {
          policy: { roles: { superadmin: { permissions: [], inherits: ['admin'] } } },
          listeners: [{ id: 'show-audit', hear: '^show me the audit$', room: 'ops', run: 'audit' }],
        },
      });
      url = `${(await t.listen()).replace(/^http/, 'ws')}/api/ws`;
      t.app.bot.registry.register(maintenance);
      t.app.bot.registry.register(reveal);
      t.app.bot.registry.register(revealApproved);
      rootRw = await tokenFor('root', ['read', 'write']);
      rootRead = await tokenFor('root', ['read']);
      await t.request({ method: 'POST', url: '/api/rooms', as: t.admin, payload: { name: 'ops' } });
    });
    after(() => t.dispose());

    test("an admin's read,write token is refused admin routes and admin-only commands; with admin it is allowed", async () => {
      const refused = await t.request({
        method: 'POST',
        url: '/api/users',
        as: rootRw,
        payload: { username: 'eve' },
      });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().error.code, 'E_PERMISSION_DENIED');
      const allowed = await t.request({
        method: 'POST',
        url: '/api/users',
        as: t.admin,
        payload: { username: 'eve' },
      });
      assert.equal(allowed.statusCode, 201, allowed.body);

      const denied = await run(rootRw, 'maintenance');
      assert.equal(denied.outcome, 'denied', denied.text);
      assert.equal(denied.exitCode, 3);
      assert.match(denied.text, /You need the `maintenance:run` permission/);
      assert.equal((await run(t.admin, 'maintenance')).outcome, 'ok');

      // It still does an operator's work, and says what it acts as.
      assert.equal((await run(rootRw, 'echo still here')).outcome, 'ok');
      assert.match(
        (await run(rootRw, 'whoami')).text,
        /@root \(roles: operator; via api; token scopes: read, write\)/,
      );
      assert.doesNotMatch((await run(rootRw, 'help')).text, /maintenance/);
      const asAlice = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: rootRw,
        payload: { line: 'whoami', as: 'eve' },
      });
      assert.equal(asAlice.statusCode, 403, asAlice.body);
    });

    test('GET /api/me shows the token scopes and the roles the user holds', async () => {
      const me = (await t.request({ method: 'GET', url: '/api/me', as: rootRw })).json();
      assert.deepEqual([me.username, me.roles, me.scopes], ['root', ['admin'], ['read', 'write']]);
      const full = (await t.request({ method: 'GET', url: '/api/me', as: t.admin })).json();
      assert.deepEqual(full.scopes, ['read', 'write', 'admin']);
    });

    test("a line posted with an admin's read,write token runs with no more than the token allows", async () => {
      assert.match(await say(rootRw, '!audit'), AUDIT_REFUSED);
      assert.match(await say(rootRw, '!maintenance'), /You need the `maintenance:run` permission/);
      assert.doesNotMatch(await say(t.admin, '!audit'), AUDIT_REFUSED);
      assert.match(await say(t.admin, '!maintenance'), /maintenance done/);
    });

    test('the same for a line posted over the WebSocket', async () => {
      const ws = await WsTestClient.open(url, rootRw.auth);
      try {
        const ack = await ws.request({ type: 'post', id: 'w1', room: 'ops', text: '!maintenance' });
        assert.equal(ack.type, 'ack', JSON.stringify(ack));
        assert.match(await botAnswerAfter(Number(ack.seq)), /`maintenance:run` permission/);
      } finally {
        ws.close();
      }
    });

    test('the same for a line posted through the Slack-compatible API', async () => {
      const before = (await t.request({ method: 'GET', url: '/api/rooms/ops', as: t.admin })).json().lastSeq;
      const slack = await t.request({
        method: 'POST',
        url: '/api/slack/chat.postMessage',
        headers: rootRw.auth,
        payload: { channel: 'ops', text: '!audit' },
      });
      assert.equal(slack.json().ok, true, slack.body);
      assert.match(await botAnswerAfter(before), AUDIT_REFUSED);
    });

    test('a read-only token posts nothing through the Slack-compatible API (missing_scope)', async () => {
      const before = (await t.request({ method: 'GET', url: '/api/rooms/ops', as: t.admin })).json().lastSeq;
      for (const url of ['/api/slack/chat.postMessage', '/api/slack/chat.update']) {
        const res = await t.request({
          method: 'POST',
          url,
          headers: rootRead.auth,
          payload: { channel: 'ops', text: 'read only', ts: '1.000001' },
        });
        assert.deepEqual([res.statusCode, res.json().ok, res.json().error], [200, false, 'missing_scope']);
      }
      const after = (await t.request({ method: 'GET', url: '/api/rooms/ops', as: t.admin })).json().lastSeq;
      assert.equal(after, before);
    });

    test("a card button pressed with an admin's read,write token runs as that token", async () => {
      const card = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        as: t.admin,
        payload: {
          text: 'suggestions',
          card: { title: 'Try', buttons: [{ actionId: SUGGESTION_ACTION, label: 'ping', value: 'ping' }] },
        },
      });
      assert.equal(card.statusCode, 201, card.body);
      const press = async (as: TestUser) => {
        const res = await t.request({
          method: 'POST',
          url: `/api/messages/${card.json().id}/actions`,
          as,
          payload: { actionId: SUGGESTION_ACTION, value: 'maintenance' },
        });
        assert.equal(res.statusCode, 202, res.body);
        return botAnswerAfter(res.json().seq);
      };
      assert.match(await press(rootRw), /`maintenance:run` permission/);
      assert.match(await press(t.admin), /maintenance done/);
    });

    test("a configured hear listener runs as the author with no more than the author's token allows", async () => {
      assert.match(await say(rootRw, 'show me the audit'), AUDIT_REFUSED);
      assert.doesNotMatch(await say(t.admin, 'show me the audit'), AUDIT_REFUSED);
    });

    test('a run confirmed with a read,write token runs with that token', async () => {
      const confirmWith = async (as: TestUser) => {
        const proposed = await run(as, 'reveal');
        assert.equal(proposed.outcome, 'pending', proposed.text);
        const nonce = /confirm (\w+)/.exec(proposed.text)?.[1];
        assert.ok(nonce, proposed.text);
        return (await run(as, `confirm ${nonce}`)).text;
      };
      assert.equal(await confirmWith(rootRw), 'ran as admin: false');
      assert.equal(await confirmWith(t.admin), 'ran as admin: true');
    });

    test("a run approved by someone else runs with no more than the requester's token allowed", async () => {
      await t.app.identity.createUser(SYSTEM_ACTOR, { username: 'approver', roles: ['admin'] });
      const approver = await tokenFor('approver', ['read', 'write', 'admin']);
      const approved = async (as: TestUser) => {
        const proposed = await run(as, 'reveal-approved');
        assert.equal(proposed.outcome, 'pending', proposed.text);
        const nonce = /approve (\w+)/.exec(proposed.text)?.[1];
        assert.ok(nonce, proposed.text);
        return (await run(approver, `approve ${nonce}`)).text;
      };
      assert.match(await approved(rootRw), /ran as admin: false/);
      assert.match(await approved(t.admin), /ran as admin: true/);
    });

    test('a role that inherits admin is bounded too, and may have admin-scoped tokens', async () => {
      await t.app.identity.createUser(SYSTEM_ACTOR, { username: 'sam', roles: ['superadmin'] });
      const rw = await tokenFor('sam', ['read', 'write']);
      assert.equal((await run(rw, 'maintenance')).outcome, 'denied');
      const full = await tokenFor('sam', ['read', 'write', 'admin']);
      assert.equal((await run(full, 'maintenance')).outcome, 'ok');
    });

    test('a read token cannot post a message or run a command, by any way in', async () => {
      const post = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        as: rootRead,
        payload: { text: '!ping' },
      });
      assert.equal(post.statusCode, 403, post.body);
      assert.equal(post.json().error.code, 'E_PERMISSION_DENIED');
      const bot = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: rootRead,
        payload: { line: 'ping' },
      });
      assert.equal(bot.statusCode, 403, bot.body);
      assert.equal(bot.json().error.code, 'E_PERMISSION_DENIED');
      const ws = await WsTestClient.open(url, rootRead.auth);
      try {
        const answer = await ws.request({ type: 'post', id: 'r1', room: 'ops', text: '!ping' });
        assert.equal(answer.type, 'error', JSON.stringify(answer));
        assert.equal((answer as { code?: string }).code, 'E_PERMISSION_DENIED');
      } finally {
        ws.close();
      }
      // Whatever way a read-only token's actor reaches the bot, the chain refuses it.
      const actor = await t.app.identity.authenticateToken(rootRead.token, 'api');
      assert.ok(actor);
      const reply = await t.app.bot.dispatcher.execute(actor, 'echo hi');
      assert.equal(reply.outcome, 'denied', reply.text);
      assert.match(reply.text, /read scope only/);
    });

    test('a web session is bounded by nothing but the roles', async () => {
      await t.app.identity.setPassword(SYSTEM_ACTOR, 'root', 'long-enough-pw');
      const login = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'root', password: 'long-enough-pw' },
      });
      assert.equal(login.statusCode, 200, login.body);
      const cookies = Object.fromEntries(
        [login.headers['set-cookie']]
          .flat()
          .map((c) => String(c).split(';')[0]!.split('=') as [string, string]),
      );
      const headers = {
        cookie: `opsroom_session=${cookies.opsroom_session}`,
        'x-csrf-token': cookies.opsroom_csrf!,
      };
      const me = (await t.request({ method: 'GET', url: '/api/me', headers })).json();
      assert.equal(me.scopes, null);
      const created = await t.request({
        method: 'POST',
        url: '/api/users',
        headers,
        payload: { username: 'web' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const ran = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        headers,
        payload: { line: 'maintenance' },
      });
      assert.equal(ran.json().outcome, 'ok', ran.body);
      const posted = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        headers,
        payload: { text: '!audit' },
      });
      assert.equal(posted.statusCode, 201, posted.body);
      assert.doesNotMatch(await botAnswerAfter(posted.json().seq), AUDIT_REFUSED);
    });
  });
}
