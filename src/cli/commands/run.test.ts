import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { cli } from '../../../test/support/cli.js';

describe('opsroom run', () => {
  let server: TestApp;
  let url: string;
  before(async () => {
    server = await startTestApp('sqlite');
    url = await server.listen();
  });
  after(() => server.dispose());
  const run = (...args: string[]) => cli(['--url', url, '--token', server.admin.token, 'run', ...args]);

  test('prints the reply and exits 0', async () => {
    const result = await run('echo', 'hello world');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'hello world');
    const help = await run('help');
    assert.match(help.stdout, /whoami/);
  });

  test('usage problems exit 2 with the bot’s explanation', async () => {
    const typo = await run('pnig');
    assert.equal(typo.code, 2);
    assert.match(typo.stdout, /Did you mean `ping`/);
    const quotes = await run('echo "unbalanced');
    assert.equal(quotes.code, 2);
  });

  test('works offline on the database, as the local admin', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-run-'));
    try {
      const result = await cli(['--offline', 'run', 'whoami'], { env: { dataDir } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /@admin \(roles: admin; via cli/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
