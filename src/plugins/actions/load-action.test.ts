import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ConfigProblem } from '../../config/load.js';
import { SystemClock } from '../../core/clock.js';
import { type ActionDeps, loadAction } from './load-action.js';
import { parseSize } from './manifest-schema.js';
import { tempDir, writeAction } from './testing.js';

const root = tempDir();
const deps: ActionDeps = {
  clock: new SystemClock(),
  serverEnv: { PATH: '/usr/local/bin:/usr/bin:/bin' },
  renderSecrets: async (text) => text,
};
const RUN = { 'run.sh': '#!/bin/sh\necho hi\n' };
let n = 0;

/** Loads a manifest that should fail; returns its problems as `line: path: message`. */
function problemsOf(manifest: string, scripts: Record<string, string> = RUN): string[] {
  const folder = writeAction(root, `a${++n}`, manifest, scripts);
  const result = loadAction(folder, deps);
  assert.equal(result.ok, false, `expected problems in:\n${manifest}`);
  if (result.ok) return [];
  for (const p of result.problems) assert.equal(p.source, join(folder, 'action.yaml'));
  return result.problems.map((p: ConfigProblem) => `${p.line ?? '?'}: ${p.path}: ${p.message}`);
}

const GOOD = ['summary: Fine', 'run: ["./run.sh"]', 'permission: ops:read'];

describe('action manifests', () => {
  test('a good manifest becomes a command with every field carried over', () => {
    const folder = writeAction(
      root,
      'deploy',
      [
        'name: deploy',
        'summary: Deploy an app',
        'description: Runs the deploy script.',
        'aliases: [ship]',
        'usage: "deploy {{app}} to {{env=staging}}"',
        'params:',
        '  app: { type: string, required: true, description: The app }',
        '  env: { type: enum, values: [staging, prod] }',
        'examples: ["deploy api to prod"]',
        'permission: "deploy:{{env}}"',
        'risk: confirm',
        'rooms: ["#ops"]',
        'locks: ["deploy:{{app}}:{{env}}"]',
        'timeout: 10m',
        'maxOutput: 512KB',
        'run: ["./run.sh", "{{app}}"]',
      ].join('\n'),
      RUN,
    );
    const result = loadAction(folder, deps);
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.problems));
    const { command } = result.action;
    assert.equal(command.name, 'deploy');
    assert.deepEqual(command.aliases, ['ship']);
    assert.equal(command.risk, 'confirm');
    assert.deepEqual(command.rooms, ['ops']);
    assert.equal(command.timeoutMs, 600_000);
    assert.equal(command.group, 'Actions');
    assert.equal(command.permissionFor({ app: 'api', env: 'prod' } as never), 'deploy:prod');
    assert.deepEqual(command.locksFor({ app: 'api', env: 'prod' } as never), ['deploy:api:prod']);
    assert.equal(result.action.kind, 'script');
  });

  test('an unknown key, a bad duration and a missing permission are named with their lines', () => {
    const problems = problemsOf(
      ['summary: Oops', 'run: ["./run.sh"]', 'timout: 30s', 'timeout: soon'].join('\n'),
    );
    assert.ok(problems.includes("3: timout: unknown setting 'timout'"), problems.join('\n'));
    assert.ok(problems.includes("4: timeout: 'soon' is not a duration such as 90s, 15m, 2h, 1d or 1h30m"));
    assert.ok(problems.some((p) => /: permission: /.test(p)));
  });

  test('YAML syntax errors carry their line', () => {
    const problems = problemsOf('summary: x\nrun: ["./run.sh"\npermission: ops:read\n');
    assert.ok(problems.length > 0);
    assert.match(problems[0]!, /^\d+: : /);
  });

  test('run as a shell string is refused with a hint', () => {
    const problems = problemsOf(['summary: x', 'run: ./run.sh --all', 'permission: ops:read'].join('\n'));
    assert.deepEqual(problems, [
      '2: run: must be a list: the program and its arguments, e.g. ["./run.sh"] (never a shell string)',
    ]);
  });

  test('exactly one of run and http', () => {
    assert.match(problemsOf(['summary: x', 'permission: ops:read'].join('\n'))[0]!, /exactly one of `run:`/);
    const both = problemsOf([...GOOD, 'http: { url: "https://example.com" }'].join('\n'));
    assert.ok(both.some((p) => /exactly one of/.test(p)));
  });

  test('the program must exist and be executable', () => {
    assert.deepEqual(
      problemsOf(GOOD.join('\n'), {}).map((p) => p.replace(/\(looked for .*\)/, '(…)')),
      ['2: run.0: ./run.sh: no such file (…)'],
    );
    const folder = writeAction(root, 'noexec', GOOD.join('\n'));
    writeFileSync(join(folder, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(folder, 'run.sh'), 0o644);
    const result = loadAction(folder, deps);
    assert.ok(!result.ok && /is not an executable file: chmod \+x/.test(result.problems[0]!.message));
    assert.match(
      problemsOf(['summary: x', 'run: ["no-such-program-xyz"]', 'permission: ops:read'].join('\n'))[0]!,
      /no-such-program-xyz: not found on PATH/,
    );
  });

  test('parameters: unknown types, misplaced keys, bad defaults and bad patterns', () => {
    const problems = problemsOf(
      [
        ...GOOD,
        'params:',
        '  b: { type: integer, values: [x] }',
        '  c: { type: duration, default: soon }',
        '  d: { type: enum }',
        '  e: { type: string, pattern: "([" }',
        '  f: { type: integer, required: true, default: 3 }',
      ].join('\n'),
    );
    const byPath = (path: string) => problems.filter((p) => p.includes(`: ${path}: `));
    assert.match(byPath('params.b.values')[0]!, /^5: .*does not apply to an integer parameter/);
    assert.match(byPath('params.c.default')[0]!, /^6: .*c is not a duration/);
    assert.equal(problems.length, 5);
    // The schema is checked first: a misspelt type is reported on its own line.
    const typo = problemsOf([...GOOD, 'params:', '  a: { type: strng }'].join('\n'));
    assert.match(typo[0]!, /^5: params\.a\.type: Invalid option/);
    assert.match(byPath('params.d.type')[0]!, /needs `values/);
    assert.match(byPath('params.e.pattern')[0]!, /not a regular expression/);
    assert.match(byPath('params.f.required')[0]!, /cannot have a default/);
  });

  test('templates may only name declared parameters, and secrets stay out of argv', () => {
    const problems = problemsOf(
      [
        'summary: x',
        'permission: ops:read',
        'params: { app: string }',
        'run: ["./run.sh", "{{ap}}", "{{ secret.TOKEN }}"]',
        'env: { A: "{{app}} {{ nope }}", B: "{{ secret.TOKEN }}" }',
      ].join('\n'),
    );
    assert.ok(problems.includes("4: run.1: '{{ap}}' is not a declared parameter"));
    assert.ok(problems.includes("4: run.2: '{{ secret.TOKEN }}': secrets cannot be used here"));
    assert.ok(problems.includes("5: env.A: '{{nope}}' is not a declared parameter"));
    assert.equal(problems.length, 3);
  });

  test("defineCommand's own checks point at the manifest key", () => {
    const problems = problemsOf(
      [...GOOD, 'usage: "fine {{missing}}"', 'examples: ["fine x y z"]'].join('\n'),
    );
    assert.ok(problems.some((p) => /^4: usage: usage pattern 'fine \{\{missing\}\}'/.test(p)));
    const badName = problemsOf(['name: Bad Name', ...GOOD].join('\n'));
    assert.match(badName[0]!, /^1: name: name 'Bad Name' must be a lower-case word/);
  });

  test('HTTP actions: the host is fixed text, and the reply template uses dotted paths', () => {
    const problems = problemsOf(
      [
        'summary: x',
        'permission: ops:read',
        'params: { host: string }',
        'http:',
        '  url: "https://{{host}}/api"',
        '  reply: "{{ response.body.x }} {{ args.nope }} {{ process.exit }}"',
      ].join('\n'),
      {},
    );
    assert.ok(problems.some((p) => /^5: http.url: the scheme and host must be fixed text/.test(p)));
    assert.ok(
      problems.some((p) => /^6: http.reply: '\{\{args.nope\}\}': 'nope' is not a declared parameter/.test(p)),
    );
    assert.ok(problems.some((p) => /^6: http.reply: '\{\{process.exit\}\}' must be a dotted path/.test(p)));
    const method = problemsOf(
      ['summary: x', 'permission: ops:read', 'http: { url: "https://x.test/", method: FETCH }'].join('\n'),
    );
    assert.match(method[0]!, /^3: http\.method: Invalid option/);
    const scheme = problemsOf(
      ['summary: x', 'permission: ops:read', 'http: { url: "file:///etc/passwd" }'].join('\n'),
    );
    assert.ok(scheme.some((p) => /must start with http:\/\/ or https:\/\//.test(p)));
    const scriptKeys = problemsOf(
      ['summary: x', 'permission: ops:read', 'http: { url: "https://x.test/" }', 'env: { A: b }'].join('\n'),
    );
    assert.ok(scriptKeys.some((p) => /env: `env` is for scripts/.test(p)));
  });

  test('an empty or non-mapping manifest is a problem, not a crash', () => {
    assert.match(problemsOf('')[0]!, /must be a mapping/);
    assert.match(problemsOf('- a\n- b\n')[0]!, /must be a mapping/);
  });

  test('sizes', () => {
    assert.equal(parseSize('1MB'), 1024 * 1024);
    assert.equal(parseSize('1MiB'), 1024 * 1024);
    assert.equal(parseSize('64 KB'), 64 * 1024);
    assert.equal(parseSize(2048), 2048);
    assert.equal(parseSize('lots'), undefined);
    assert.equal(parseSize(0), undefined);
    assert.match(
      problemsOf([...GOOD, 'maxOutput: lots'].join('\n'))[0]!,
      /^4: maxOutput: 'lots' must be a size/,
    );
  });
});
