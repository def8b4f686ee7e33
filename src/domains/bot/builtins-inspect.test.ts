import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import type { Actor } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { PermissionDeniedError } from '../../core/errors.js';
import { AuditService } from '../audit/service.js';
import { BUILT_IN_POLICY } from '../policy/policy.js';
import { builtInCommands } from './builtins.js';
import { inspectCommands } from './builtins-inspect.js';
import { type CommandResult, defineCommand } from './command.js';
import { renderParseFailure } from './help.js';
import { parseCommandLine } from './parser.js';
import { CommandRegistry } from './registry.js';

const admin: Actor = { userId: 'u_root', username: 'root', roles: ['admin'], channel: 'cli' };
const member: Actor = { userId: 'u_mia', username: 'mia', roles: ['member'], channel: 'web' };
const responder: Actor = { userId: 'u_rex', username: 'rex', roles: ['responder'], channel: 'web' };

const deploy = defineCommand({
  name: 'deploy',
  summary: 'Deploy an app',
  usage: ['deploy {{app}}[/{{ref=main}}] to {{env=staging}}'],
  args: {
    app: { type: 'string', required: true },
    ref: { type: 'string' },
    env: { type: 'enum', values: ['staging', 'prod'] },
    wait: { type: 'duration', default: 120_000 },
  },
  permission: 'deploy:{{env}}',
  risk: 'confirm',
  rooms: ['ops', 'deploys'],
  timeoutMs: 1_800_000,
  locks: ['deploy:{{app}}:{{env}}'],
  allowExtra: true,
  run: () => 'deployed',
});

function text(result: CommandResult): string {
  assert.ok(typeof result === 'string' || (typeof result === 'object' && result !== null));
  return typeof result === 'string' ? result : (result.text ?? '');
}

for (const dialect of DIALECTS) {
  describe(`audit and explain on ${dialect}`, () => {
    let database: TestDatabase;
    let audit: AuditService;
    const clock = new FakeClock('2026-03-01T10:00:00Z');
    const registry = new CommandRegistry();
    const rooms = new Map([
      ['r_ops', 'ops'],
      ['r_random', 'random'],
    ]);

    /** Parses and runs a line the way the dispatcher does, minus policy: for what the command says. */
    async function ask(actor: Actor, line: string, roomId = ''): Promise<string> {
      const parsed = parseCommandLine(line, registry, { nowMs: clock.nowMs() });
      assert.equal(parsed.kind, 'ok', JSON.stringify(parsed));
      if (parsed.kind !== 'ok') throw new Error('unreachable');
      const result = await parsed.command.run({
        args: parsed.args as never,
        extra: parsed.extra,
        actor,
        roomId,
        jobId: '',
        line,
        signal: new AbortController().signal,
        reply: async () => {},
        progress: () => {},
      });
      return text(result);
    }

    before(async () => {
      database = await createTestDatabase(dialect);
      audit = new AuditService({ database, clock });
      for (const command of builtInCommands({
        registry,
        canRun: () => true,
        clock,
        version: 'test',
        startedAtMs: 0,
      })) {
        registry.register(command);
      }
      for (const command of inspectCommands({
        registry,
        clock,
        audit,
        policy: BUILT_IN_POLICY,
        roomName: async (id) => rooms.get(id),
      })) {
        registry.register(command);
      }
      registry.register(deploy);
      // 30 records: alice's runs (every third denied), then a few identity events by root.
      for (let n = 1; n <= 30; n++) {
        clock.advance(1000);
        await audit.record({
          actor: n <= 24 ? 'alice' : 'root',
          actorId: n <= 24 ? 'u_alice' : 'u_root',
          channel: n % 2 === 0 ? 'web' : 'api',
          action: n <= 24 ? 'command.run' : 'user.created',
          decision: n <= 24 && n % 3 === 0 ? 'denied' : 'allowed',
          commandLine: n <= 24 ? `deploy api to prod #${n}` : null,
          outcome: n <= 24 ? (n % 3 === 0 ? 'denied' : 'ok') : null,
          ...(n === 24 ? { detail: { via: 'root', viaId: 'u_root' } } : {}),
        });
      }
    });
    after(() => database.dispose());

    test('audit: a compact table, newest first, with a hint for the next page', async () => {
      const reply = await ask(admin, 'audit limit=5');
      const lines = reply.split('\n');
      assert.match(lines[0]!, /^\*\*Audit log\*\*, newest first \(limit=5\): 5 records$/);
      assert.equal(lines[1], '```');
      assert.match(lines[2]!, /^SEQ\s+TIME\s+ACTOR\s+CHANNEL\s+DECISION\s+WHAT$/);
      assert.match(lines[3]!, /^30\s+2026-03-01 10:00:30Z\s+root\s+web\s+allowed\s+user\.created$/);
      assert.equal(lines.filter((l) => /^\d+ /.test(l)).length, 5);
      assert.equal(lines.at(-1), 'Older records: `audit limit=5 before=26`');
      // Columns line up: DECISION starts at the same offset in the header and every row.
      const at = lines[2]!.indexOf('DECISION');
      for (const row of lines.slice(3, 8)) assert.match(row.slice(at), /^(allowed|denied)/);
    });

    test('audit: filters by actor, action and decision, and pages with before=', async () => {
      const denied = await ask(admin, 'audit actor=@alice decision=denied limit=3');
      const rows = denied.split('\n').filter((l) => /^\d+ /.test(l));
      assert.deepEqual(
        rows.map((r) => Number(r.split(/\s+/)[0])),
        [24, 21, 18],
      );
      assert.match(rows[0]!, /alice \(via root\)\s+web\s+denied\s+deploy api to prod #24 → denied/);
      assert.match(denied, /Older records: `audit actor=@alice decision=denied limit=3 before=18`/);

      const next = await ask(admin, 'audit actor=@alice decision=denied limit=3 before=18');
      assert.deepEqual(
        next
          .split('\n')
          .filter((l) => /^\d+ /.test(l))
          .map((r) => Number(r.split(/\s+/)[0])),
        [15, 12, 9],
      );
      const created = await ask(admin, 'audit action=user.created');
      assert.match(created, /: 6 records/);
      assert.doesNotMatch(created, /Older records/, 'the last page has no next');
      assert.equal(await ask(admin, 'audit actor=@nobody'), 'No audit records match (actor=@nobody).');
    });

    test('audit: only admins may read; the service refuses anyone else too', async () => {
      assert.equal(BUILT_IN_POLICY.allows(member, { permission: 'audit:read', command: 'audit' }), false);
      assert.equal(BUILT_IN_POLICY.allows(admin, { permission: 'audit:read', command: 'audit' }), true);
      await assert.rejects(ask(member, 'audit'), PermissionDeniedError);
    });

    test('explain: the parsed command, where each value came from, permission, risk, locks, rooms', async () => {
      const reply = await ask(responder, 'explain deploy api to prod note=hi', 'r_random');
      assert.match(reply, /^\*\*explain\*\* `deploy api to prod note=hi` \(nothing was run\)/);
      assert.match(
        reply,
        /\*\*Command:\*\* `deploy` — Deploy an app \(usage `deploy <app>\[\/<ref>\] \[to <env>\]`\)/,
      );
      assert.match(reply, /• `app` = `api` \(given\)/);
      assert.match(reply, /• `ref` = `main` \(default\)/);
      assert.match(reply, /• `env` = `prod` \(given\)/);
      assert.match(reply, /• `wait` = `2m` \(default\)/);
      assert.match(reply, /• `note` = `hi` \(given, extra\)/);
      assert.match(reply, /\*\*Permission:\*\* `deploy:prod` — @rex does not have it/);
      assert.match(reply, /\*\*Risk:\*\* confirm — asks you to confirm/);
      assert.match(reply, /\*\*Locks:\*\* `deploy:api:prod`/);
      assert.match(reply, /\*\*Timeout:\*\* 30m/);
      assert.match(reply, /\*\*Rooms:\*\* #ops, #deploys \(not #random\)/);
      assert.match(reply, /\*\*Verdict:\*\* it would be refused: you lack the permission/);

      const staging = await ask(responder, 'explain !deploy api/feature-x wait=5m', 'r_ops');
      assert.match(staging, /• `ref` = `feature-x` \(given\)/);
      assert.match(staging, /• `env` = `staging` \(default\)/);
      assert.match(staging, /• `wait` = `5m` \(given\)/);
      assert.match(staging, /`deploy:staging` — you have it/);
      assert.match(staging, /#ops is one of them/);
      assert.match(staging, /Verdict:\*\* it would be proposed and wait for your confirmation/);
    });

    test('explain: plain commands, and lines that would not parse get the usage reply', async () => {
      const echo = await ask(member, 'explain echo hi there');
      assert.match(echo, /• `text` = `hi there` \(given\)/);
      assert.match(echo, /\*\*Risk:\*\* none — runs straight away/);
      assert.match(echo, /\*\*Locks:\*\* none/);
      assert.match(echo, /\*\*Timeout:\*\* the server default/);
      assert.match(echo, /\*\*Rooms:\*\* anywhere/);
      assert.match(echo, /Verdict:\*\* it would run$/);

      const typo = await ask(admin, 'explain depoly api');
      assert.match(typo, /would not run\.\nI don't know the command `depoly`\. Did you mean `deploy`\?/);
      const hidden = await ask(member, 'explain depoly api');
      assert.doesNotMatch(hidden, /Did you mean/, 'no hints at commands the asker cannot run');
      const wrongType = await ask(member, 'explain deploy api to production');
      assert.match(wrongType, /env must be one of staging, prod \(got 'production'\)/);
      assert.match(wrongType, /Usage: `deploy <app>\[\/<ref>\] \[to <env>\]`/);
      // The whole line is tokenized before `explain` sees it, so an unclosed quote is answered first.
      const quotes = parseCommandLine('explain deploy "api', registry);
      assert.equal(quotes.kind, 'syntax');
      assert.match(renderParseFailure(quotes as never), /Unclosed quote[\s\S]*\nUsage: `explain <line>`/);
      const audited = await audit.list(admin, { limit: 1 });
      assert.equal(audited.records[0]!.seq, 30, 'explain ran nothing and recorded nothing');
    });
  });
}

describe('audit and explain in the app', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite');
    // Until the lead registers them in startBot (see the report), the test registers them itself.
    for (const command of inspectCommands({
      registry: t.app.bot.registry,
      clock: t.app.clock,
      audit: t.app.audit,
      policy: BUILT_IN_POLICY,
    })) {
      if (t.app.bot.registry.get(command.name) === undefined) t.app.bot.registry.register(command);
    }
  });
  after(() => t.dispose());

  test('a member is refused `audit`; an admin reads their own earlier runs', async () => {
    const mia = await t.user('mia');
    const refused = await t.request({
      method: 'POST',
      url: '/api/bot/run',
      as: mia,
      payload: { line: 'audit' },
    });
    assert.equal(refused.json().outcome, 'denied');
    assert.match(refused.json().text, /`audit:read`/);
    await t.app.audit.drain();
    const read = await t.request({
      method: 'POST',
      url: '/api/bot/run',
      as: t.admin,
      payload: { line: 'audit decision=denied' },
    });
    assert.equal(read.json().outcome, 'ok', read.body);
    assert.match(read.json().text, /mia\s+api\s+denied\s+audit → denied/);
  });
});
