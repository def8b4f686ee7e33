import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import type { Actor } from '../../core/actor.js';
import { defineCommand } from './command.js';
import { checkEntityArgs, entityStage } from './entity-args.js';
import { renderParseFailure } from './help.js';
import { type ParsedCommand, parseCommandLine } from './parser.js';

/** A command with one argument of every kind that can be typed wrong. */
const scale = defineCommand({
  name: 'scale',
  summary: 'Scale an app',
  usage: ['scale {{app}} to {{count}} [for {{duration=1h}}] [in {{env=staging}}]'],
  args: {
    app: { type: 'string', required: true },
    count: { type: 'integer', required: true, min: 0, max: 50 },
    duration: { type: 'duration' },
    env: { type: 'enum', values: ['staging', 'prod'] },
  },
  permission: 'bot:use',
  examples: ['scale api to 3', 'scale api to 3 for 2h in prod'],
  run: ({ args }) => `scaled ${args.app} to ${args.count}`,
});

const page = defineCommand({
  name: 'page',
  summary: 'Page someone about something in a room',
  usage: ['page {{who}} in {{room}}'],
  args: { who: { type: 'user', required: true }, room: { type: 'room', required: true } },
  permission: 'bot:use',
  run: ({ args }) => `paged @${args.who} in #${args.room}`,
});

/** Each bad line, and what the reply must say: what is wrong, then what is expected. */
const CASES: { line: string; wrong: RegExp; expected: RegExp }[] = [
  { line: 'echo "unbalanced', wrong: /Unclosed quote: the " at column 6/, expected: /Usage: `echo <text>`/ },
  { line: "scale 'api to 3", wrong: /Unclosed quote: the ' at column 7/, expected: /Usage: `scale <app> to/ },
  {
    line: `echo ${'x'.repeat(100 * 1024)}`,
    wrong: /Command line is too long: 102405 characters/,
    expected: /at most 4096 are accepted/,
  },
  { line: 'sacle api to 3', wrong: /I don't know the command `sacle`/, expected: /Did you mean `scale`\?/ },
  { line: 'frobnicate now', wrong: /I don't know the command `frobnicate`/, expected: /Type `help`/ },
  {
    line: 'scale api to three',
    wrong: /count must be a whole number \(got 'three'\)/,
    expected: /Usage: `scale <app> to <count>/,
  },
  { line: 'scale api to 99', wrong: /count must be at most 50 \(got 99\)/, expected: /Usage:/ },
  {
    line: 'scale api to 3 for forever',
    wrong: /duration is not a duration such as 90s, 15m, 2h, 1d/,
    expected: /Usage:/,
  },
  {
    line: 'scale api to 3 in production',
    wrong: /env must be one of staging, prod \(got 'production'\)/,
    expected: /did you mean 'prod'\?/,
  },
  {
    line: 'page b@d in #ops',
    wrong: /who must be a username such as @alice \(got 'b@d'\)/,
    expected: /Usage: `page <who> in <room>`/,
  },
  {
    line: 'page @alice in #o!ps',
    wrong: /room must be a room such as #ops \(got '#o!ps'\)/,
    expected: /Usage: `page <who> in <room>`/,
  },
  { line: 'scale api', wrong: /incomplete command|missing/, expected: /'to'|<count>/ },
  {
    line: 'scale api to 3 colour=red',
    wrong: /unknown argument 'colour'/,
    expected: /scale takes app, count, duration, env/,
  },
];

for (const dialect of DIALECTS) {
  describe(`bad command lines on ${dialect}`, () => {
    let t: TestApp;
    // One user per test: the bot's per-user rate limit (a burst of 30) must not answer instead.
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let aliceActor: Actor;
    before(async () => {
      t = await startTestApp(dialect);
      t.app.bot.registry.register(scale);
      t.app.bot.registry.register(page);
      alice = await t.user('alice');
      bob = await t.user('bob');
      carol = await t.user('carol');
      aliceActor = t.app.identity.actorFor(await t.app.identity.requireUser('alice'), 'api');
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
    });
    after(() => t.dispose());

    test('through the dispatcher: a usage reply that says what is wrong and what is expected', async () => {
      for (const { line, wrong, expected } of CASES) {
        const reply = await t.app.bot.dispatcher.execute(aliceActor, line);
        const what = line.slice(0, 40);
        assert.equal(reply.outcome, 'usage', `${what}: ${reply.text}`);
        assert.match(reply.text, wrong, what);
        assert.match(reply.text, expected, what);
        assert.ok(reply.text.length < 2000, `${what}: the reply stays short (${reply.text.length})`);
      }
    });

    test('through POST /api/bot/run: 200 with outcome usage and exit code 2, never a 4xx/5xx', async () => {
      for (const { line, wrong, expected } of CASES) {
        const res = await t.request({ method: 'POST', url: '/api/bot/run', as: bob, payload: { line } });
        const what = line.slice(0, 40);
        assert.equal(res.statusCode, 200, `${what}: ${res.body.slice(0, 300)}`);
        const body = res.json();
        assert.equal(body.outcome, 'usage', what);
        assert.equal(body.exitCode, 2, what);
        assert.match(body.text, wrong, what);
        assert.match(body.text, expected, what);
      }
    });

    test('odd bytes and shapes get answers, not crashes', async () => {
      for (const line of ['"', '\\', '\u0000', 'echo \u0000\u001b[2J', '💥 boom', '=', 'a=b', '""', "''"]) {
        const res = await t.request({ method: 'POST', url: '/api/bot/run', as: carol, payload: { line } });
        assert.equal(res.statusCode, 200, `${JSON.stringify(line)}: ${res.body}`);
        assert.ok(['ok', 'usage'].includes(res.json().outcome), `${JSON.stringify(line)}: ${res.body}`);
      }
      const empty = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: carol,
        payload: { line: '' },
      });
      assert.equal(empty.statusCode, 400, 'an empty body field is a validation error');
      assert.equal(empty.json().error.code, 'E_VALIDATION');
    });

    test('the parser checks @user and #room only for shape; existence is a lookup (checkEntityArgs)', async () => {
      // The run-time check for the dispatcher to call after parsing (not wired yet: see the report).
      const lookup = {
        userExists: async (name: string) => (await t.app.identity.store.userByUsername(name)) !== undefined,
        roomExists: async (name: string) => (await t.app.chat.rooms.describe(name)) !== undefined,
        similarUsers: async (name: string) =>
          (await t.app.identity.listUsers()).map((u) => u.username).filter((u) => u.startsWith(name[0]!)),
      };
      const check = async (line: string) => {
        const parsed = parseCommandLine(line, t.app.bot.registry);
        assert.equal(parsed.kind, 'ok', line);
        if (parsed.kind !== 'ok') throw new Error('unreachable');
        return checkEntityArgs(parsed.command, parsed.args, lookup);
      };
      assert.equal(await check('page @alice in #ops'), undefined);
      const unknownUser = await check('page @alcie in #ops');
      assert.ok(unknownUser);
      const text = renderParseFailure(unknownUser);
      assert.match(text, /who: there is no user @alcie — did you mean '@alice'\?/);
      assert.match(text, /expected the username of someone on this server/);
      assert.match(text, /Usage: `page <who> in <room>`/);
      const unknownRoom = renderParseFailure((await check('page @alice in #opz'))!);
      assert.match(unknownRoom, /room: there is no room #opz \(expected the name of an existing room\)/);
      const both = renderParseFailure((await check('page @zed in #nope'))!);
      assert.match(both, /no user @zed.*; room: there is no room #nope/);

      // As a dispatcher stage: the run stops with the usage reply, or goes on when all exist.
      const stage = entityStage(lookup);
      const runOf = (line: string) => {
        const parsed = parseCommandLine(line, t.app.bot.registry);
        assert.equal(parsed.kind, 'ok');
        return { actor: aliceActor, line, where: {}, parsed: parsed as ParsedCommand };
      };
      let passed = 0;
      const next = async () => {
        passed++;
        return { outcome: 'ok' as const, text: 'ran' };
      };
      const stopped = await stage(runOf('page @alcie in #ops'), next);
      assert.equal(stopped.outcome, 'usage');
      assert.match(stopped.text, /there is no user @alcie/);
      assert.equal(passed, 0, 'the handler never ran');
      assert.equal((await stage(runOf('page @alice in #ops'), next)).text, 'ran');
      assert.equal(passed, 1);
    });
  });
}
