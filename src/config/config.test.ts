import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readEnvironment } from './env.js';
import { ConfigError, checkConfigFile, loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'opsroom-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  test('runs on defaults with no file and no environment', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.storage.dataDir, './data');
    assert.equal(config.storage.databaseUrl, undefined);
  });

  test('environment wins over the file', () => {
    const path = file('a.yaml', 'server:\n  port: 9000\nstorage:\n  dataDir: /tmp/x\n');
    const config = loadConfig({
      file: path,
      env: { port: '9100', databaseUrl: 'postgres://127.0.0.1/test' },
    });
    assert.equal(config.server.port, 9100);
    assert.equal(config.storage.dataDir, '/tmp/x');
    assert.equal(config.storage.databaseUrl, 'postgres://127.0.0.1/test');
  });

  test('readEnvironment maps OPSROOM_* variables and ignores empty ones', () => {
    const env = readEnvironment({ OPSROOM_PORT: '1234', OPSROOM_HOST: '', OPSROOM_CONFIG: 'x.yaml' });
    assert.deepEqual(env, { port: '1234', configFile: 'x.yaml' });
  });

  test('check reports every problem with its YAML path and line', () => {
    const path = file(
      'bad.yaml',
      [
        'server:',
        '  host: 0.0.0.0',
        '  port: "eighty"',
        'storage:',
        '  dataDir: ./d',
        '  colour: blue',
        'logg:',
        '  level: info',
        '',
      ].join('\n'),
    );
    const problems = checkConfigFile(path);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    assert.equal(byPath['server.port']?.line, 3);
    assert.equal(byPath['storage.colour']?.line, 6);
    assert.match(byPath['storage.colour']!.message, /unknown setting 'colour'/);
    assert.ok(byPath.logg, 'an unknown top-level section is reported');
    assert.equal(problems.length, 3);
  });

  test('a section with every setting commented out is empty, not an error', () => {
    const path = file('commented.yaml', 'server:\n  port: 9001\nsecrets:\n  # keyFile: ./x\n');
    assert.deepEqual(checkConfigFile(path), []);
  });

  test('YAML syntax errors carry a line', () => {
    const path = file('syntax.yaml', 'server:\n  port: 80\n   host: x\n');
    const problems = checkConfigFile(path);
    assert.ok(problems.length > 0);
    assert.equal(typeof problems[0]!.line, 'number');
  });

  test('a bad OPSROOM_PORT is a config error, not a crash', () => {
    assert.throws(
      () => loadConfig({ env: { port: 'abc' } }),
      (error: unknown) => error instanceof ConfigError && /OPSROOM_PORT/.test(error.message),
    );
  });

  test('a missing explicit file is reported', () => {
    assert.throws(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }), /config file not found/);
  });
});
