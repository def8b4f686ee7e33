import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SystemClock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import { parseCommandLine } from '../../domains/bot/parser.js';
import { CommandRegistry } from '../../domains/bot/registry.js';
import { type ActionDeps, type LoadedAction, loadAction } from './load-action.js';
import { recordingContext, tempDir, writeAction } from './testing.js';

const root = tempDir();
const PATH = '/usr/local/bin:/usr/bin:/bin';
const SECRETS: Record<string, string> = { API_TOKEN: 'tok-123456789' };

/** Fills `{{ secret.NAME }}` from a fixed table, as SecretService.render does from the database. */
async function renderSecrets(
  text: string,
  options: { encode?: (v: string) => string } = {},
): Promise<string> {
  return text.replace(/\{\{\s*secret\.([A-Z0-9_]+)\s*\}\}/g, (_, name: string) => {
    const value = SECRETS[name];
    if (value === undefined) throw new ValidationError(`unknown secret '${name}'`);
    return (options.encode ?? ((v: string) => v))(value);
  });
}

const deps: ActionDeps = {
  clock: new SystemClock(),
  serverEnv: { PATH, HOME: '/home/ops', LANG: 'C.UTF-8', DATABASE_PASSWORD: 'hunter2', KUBECONFIG: '/k' },
  renderSecrets,
  killGraceMs: 500,
};

function load(folder: string): LoadedAction {
  const result = loadAction(folder, deps);
  assert.ok(
    result.ok,
    result.ok ? '' : result.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`).join('\n'),
  );
  return result.action;
}

/** Parses a line against the action alone and runs it, as the dispatcher would. */
async function runLine(action: LoadedAction, line: string) {
  const registry = new CommandRegistry();
  registry.register(action.command);
  const parsed = parseCommandLine(line, registry, { nowMs: Date.now() });
  assert.equal(parsed.kind, 'ok', JSON.stringify(parsed));
  if (parsed.kind !== 'ok') throw new Error('unreachable');
  const recorded = recordingContext(parsed.args as never, { jobId: '17' });
  const result = await action.command.run(recorded.ctx as never);
  return { result, output: recorded.output() };
}

describe('script actions', () => {
  test('the disk example: OPSROOM_ARG_PATH and the default from the usage pattern', async () => {
    const action = load(join(import.meta.dirname, '../../../examples/actions/disk'));
    assert.equal(action.name, 'disk');
    assert.equal(action.command.timeoutMs, 30_000);
    assert.equal(action.command.permission, 'ops:read');
    assert.equal(action.command.instant, false, 'actions run as jobs');
    const registry = new CommandRegistry();
    registry.register(action.command);
    const bare = parseCommandLine('disk', registry, { nowMs: 0 });
    assert.deepEqual(bare.kind === 'ok' && bare.args, { path: '/' });
    const { result, output } = await runLine(action, 'disk /var');
    assert.deepEqual(result, { ok: true, exitCode: 0 });
    assert.match(output, /Filesystem/);
  });

  test('arguments arrive as OPSROOM_ARG_* variables and as JSON on stdin, with the user and job', async () => {
    const folder = writeAction(
      root,
      'show',
      [
        'name: show',
        'summary: Show what the script receives',
        'usage: "show {{app}} [{{count=3}}] [{{fast}}]"',
        'params:',
        '  app: { type: string, required: true }',
        '  count: integer',
        '  fast: boolean',
        'run: ["./run.sh"]',
        'permission: ops:read',
      ].join('\n'),
      {
        'run.sh': [
          '#!/bin/sh',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not JavaScript
          'fast="${OPSROOM_ARG_FAST-unset}"',
          'printf "app=%s count=%s fast=%s job=%s user=%s action=%s\\n" "$OPSROOM_ARG_APP" "$OPSROOM_ARG_COUNT" "$fast" "$OPSROOM_JOB_ID" "$OPSROOM_USER" "$OPSROOM_ACTION"',
          'echo "stdin: $(cat)"',
        ].join('\n'),
      },
    );
    const { result, output } = await runLine(load(folder), 'show "my app" 5');
    assert.deepEqual(result, { ok: true, exitCode: 0 });
    assert.match(output, /^app=my app count=5 fast=unset job=17 user=alice action=show$/m);
    const json = JSON.parse(/^stdin: (.*)$/m.exec(output)![1]!);
    assert.deepEqual(json, { args: { app: 'my app', count: 5 }, user: 'alice', jobId: '17', action: 'show' });
  });

  test('shell syntax in an argument reaches the script literally, in argv and in the environment', async () => {
    const folder = writeAction(
      root,
      'say',
      [
        'summary: Print the text',
        'usage: "say {{text}}"',
        'params: { text: { type: string, rest: true, required: true } }',
        'run: ["./run.sh", "--text", "{{text}}"]',
        'permission: ops:read',
      ].join('\n'),
      {
        'run.sh': '#!/bin/sh\nprintf "argv=[%s][%s]\\n" "$1" "$2"\nprintf "env=[%s]\\n" "$OPSROOM_ARG_TEXT"',
      },
    );
    const action = load(folder);
    assert.equal(action.name, 'say', 'the name defaults to the folder');
    const evil = '$(id) ; rm -rf / `whoami` && echo pwned';
    const { result, output } = await runLine(action, `say ${evil}`);
    assert.equal((result as { ok: boolean }).ok, true);
    assert.equal(output, `argv=[--text][${evil}]\nenv=[${evil}]\n`);
  });

  test('only allowlisted server variables reach the script; env values fill secrets and arguments', async () => {
    const folder = writeAction(
      root,
      'envs',
      [
        'summary: Print the environment',
        'usage: "envs {{who}}"',
        'params: { who: string }',
        'run: ["./run.sh"]',
        'permission: ops:read',
        'passEnv: [KUBECONFIG]',
        'env:',
        '  TOKEN: "Bearer {{ secret.API_TOKEN }}"',
        '  GREETING: "hello {{who}}"',
        '  RETRIES: 3',
      ].join('\n'),
      { 'run.sh': '#!/bin/sh\nenv | sort' },
    );
    const { output } = await runLine(load(folder), 'envs "{{ secret.API_TOKEN }}"');
    const env = Object.fromEntries(
      output
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.TOKEN, 'Bearer tok-123456789');
    assert.equal(env.GREETING, 'hello {{ secret.API_TOKEN }}', "a user's argument never reads a secret");
    assert.equal(env.RETRIES, '3');
    assert.equal(env.KUBECONFIG, '/k');
    assert.equal(env.HOME, '/home/ops');
    assert.equal(env.DATABASE_PASSWORD, undefined, 'not allowlisted');
  });

  test('cwd is the action folder by default, or the one the manifest names', async () => {
    const folder = writeAction(
      root,
      'where',
      ['summary: Print the working directory', 'run: ["./run.sh"]', 'permission: ops:read'].join('\n'),
      { 'run.sh': '#!/bin/sh\npwd' },
    );
    assert.equal((await runLine(load(folder), 'where')).output.trim(), folder);
    const other = writeAction(
      root,
      'elsewhere',
      ['summary: Print it', 'run: ["./run.sh"]', 'cwd: ..', 'permission: ops:read'].join('\n'),
      { 'run.sh': '#!/bin/sh\npwd' },
    );
    assert.equal((await runLine(load(other), 'elsewhere')).output.trim(), root);
  });

  test('a bare program name is found on PATH; its exit code is the status', async () => {
    const folder = writeAction(
      root,
      'falsy',
      ['summary: Always fails', 'run: ["false"]', 'permission: ops:read'].join('\n'),
    );
    const { result } = await runLine(load(folder), 'falsy');
    assert.deepEqual(result, { ok: false, exitCode: 1, text: 'exited with code 1' });
  });

  test('an unknown secret in env is a clear error, and nothing runs', async () => {
    const marker = join(root, 'ran');
    const folder = writeAction(
      root,
      'nosecret',
      [
        'summary: Uses a secret nobody set',
        'run: ["./run.sh"]',
        'env: { X: "{{ secret.NOT_SET }}" }',
        'permission: ops:read',
      ].join('\n'),
      { 'run.sh': `#!/bin/sh\ntouch ${marker}` },
    );
    await assert.rejects(runLine(load(folder), 'nosecret'), /unknown secret 'NOT_SET'/);
    assert.equal(existsSync(marker), false);
  });
});
