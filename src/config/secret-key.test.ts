import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from './load.js';
import { configSchema } from './schema.js';
import { loadSecretKey } from './secret-key.js';

describe('loadSecretKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const configIn = (sub: string, keyFile?: string) =>
    configSchema.parse({
      storage: { dataDir: join(dir, sub) },
      ...(keyFile === undefined ? {} : { secrets: { keyFile } }),
    });

  test('OPSROOM_SECRET_KEY wins, as base64 or hex', () => {
    const key = randomBytes(32);
    for (const text of [key.toString('base64'), key.toString('hex'), key.toString('base64url')]) {
      const loaded = loadSecretKey(configIn('env'), { secretKey: text });
      assert.equal(loaded.source, 'env');
      assert.deepEqual(loaded.key, key);
    }
  });

  test('a key of the wrong length is a clear configuration error that never echoes the key', () => {
    const short = randomBytes(16).toString('base64');
    assert.throws(
      () => loadSecretKey(configIn('env'), { secretKey: short }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /OPSROOM_SECRET_KEY: the secret key must be 32 bytes .* got 16 bytes/.test(error.message) &&
        !error.message.includes(short),
    );
    assert.throws(
      () => loadSecretKey(configIn('env'), { secretKey: 'not a key!' }),
      /neither hex nor base64/,
    );
  });

  test('first start generates <dataDir>/secret.key with mode 0600, and later starts reuse it', () => {
    const logs: string[] = [];
    const config = configIn('fresh');
    const first = loadSecretKey(config, {}, (m) => logs.push(m));
    assert.equal(first.source, 'generated');
    assert.equal(first.file, join(dir, 'fresh', 'secret.key'));
    assert.equal(statSync(first.file!).mode & 0o777, 0o600);
    assert.match(logs.join('\n'), /generated a new secret key in .*secret\.key/);
    assert.deepEqual(Buffer.from(readFileSync(first.file!, 'utf8').trim(), 'base64'), first.key);

    const second = loadSecretKey(config, {}, (m) => logs.push(m));
    assert.equal(second.source, 'file');
    assert.deepEqual(second.key, first.key);
  });

  test('secrets.keyFile chooses the file; a loose mode is warned about; a bad file is refused', () => {
    const file = join(dir, 'custom.key');
    const key = randomBytes(32);
    writeFileSync(file, `${key.toString('hex')}\n`);
    chmodSync(file, 0o644);
    const logs: string[] = [];
    const loaded = loadSecretKey(configIn('x', file), {}, (m) => logs.push(m));
    assert.deepEqual(loaded.key, key);
    assert.match(logs.join('\n'), /readable by others .*chmod 600/);

    writeFileSync(file, 'abcd');
    assert.throws(
      () => loadSecretKey(configIn('x', file), {}),
      /custom\.key: secrets\.keyFile: .* got 3 bytes/,
    );
  });
});
