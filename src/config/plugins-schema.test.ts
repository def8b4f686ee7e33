import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkConfigFile, loadConfig } from './load.js';
import { compileHearPattern } from './plugins-schema.js';
import { configSchema } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'opsroom-listeners-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('plugins: and listeners: in opsroom.yaml', () => {
  test('defaults: plugins from ./plugins, no listeners', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.plugins.dir, './plugins');
    assert.deepEqual(config.listeners, []);
  });

  test('a listeners: section with every entry commented out is an empty list', () => {
    const config = loadConfig({
      file: file('empty.yaml', 'listeners:\n#  - hear: x\n#    run: ping\n'),
      env: {},
    });
    assert.deepEqual(config.listeners, []);
  });

  test('hear patterns: plain, (?i) and /slashes/ with flags, compiled once', () => {
    const config = configSchema.parse({
      listeners: [
        { hear: 'disk (is )?full', run: 'echo plain' },
        { hear: '(?i)disk full', run: 'echo insensitive' },
        { hear: '/^deploy (\\w+)$/m', run: 'echo slashed' },
      ],
    });
    const [plain, insensitive, slashed] = config.listeners.map((l) => l.hear);
    assert.ok(plain instanceof RegExp && plain.test('disk is full') && !plain.test('DISK FULL'));
    assert.ok(insensitive?.test('DISK FULL'));
    assert.equal(slashed?.flags, 'm');
    assert.throws(() => compileHearPattern('/x/g'), /flags 'g' are not allowed/);
    assert.throws(() => compileHearPattern('(?i)'), /empty/);
  });

  test('every mistake is a config error with its path and line', () => {
    const path = file(
      'bad.yaml',
      [
        'listeners:',
        '  - hear: "disk (full"', // 2
        '    run: disk /',
        '  - cron: "61 * * * *"', // 4
        '    room: ops',
        '    as: alice',
        '    run: oncall',
        '  - on: message.pined', // 8
        '    as: alice',
        '    run: echo pinned',
        '  - cron: "0 9 * * 1-5"', // 11
        '    run: standup',
        '  - on: secret.set', // 13
        '    as: alice',
        '    run: echo set',
        '  - hear: x', // 16
        '    cron: "* * * * *"',
        '    run: echo both',
        '  - cron: "0 9 * * *"', // 19
        '    timezone: Mars/Olympus',
        '    room: ops',
        '    as: alice',
        '    run: echo tz',
        '  - hear: ok', // 24
        '    run: echo ok',
        '    colour: blue',
        '',
      ].join('\n'),
    );
    const problems = checkConfigFile(path);
    const find = (path: string, message: RegExp) => {
      const problem = problems.find((p) => p.path === path && message.test(p.message));
      assert.ok(problem, `${path} ${message}: ${JSON.stringify(problems, null, 1)}`);
      return problem;
    };
    assert.equal(find('listeners.0.hear', /bad regex/).line, 2);
    assert.equal(find('listeners.1.cron', /bad cron pattern: .*minute/).line, 4);
    assert.match(find('listeners.2.on', /unknown event 'message.pined'/).message, /message\.pinned/);
    find('listeners.3.room', /cron: needs room/);
    find('listeners.3.as', /as: is required/);
    find('listeners.4.room', /'secret.set' does not belong to a room/);
    find('listeners.5', /one trigger, not hear and cron/);
    find('listeners.6.timezone', /unknown time zone 'Mars\/Olympus'/);
    assert.equal(find('listeners.7.colour', /unknown setting 'colour'/).line, 26);
  });

  test('a cron pattern that can never fire is refused', () => {
    const result = configSchema.safeParse({
      listeners: [{ cron: '0 0 31 2 *', room: 'ops', as: 'alice', run: 'ping' }],
    });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /never fires/);
  });
});
