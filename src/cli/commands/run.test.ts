import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { cli } from '../../../test/support/cli.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';

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

  test('--as runs as another user for an admin token, and the audit names the admin', async () => {
    await server.user('alice');
    await server.request({
      method: 'POST',
      url: '/api/rooms',
      as: server.admin,
      payload: { name: 'admins-only', kind: 'private' },
    });
    const result = await cli(['--url', url, '--token', server.admin.token, '--as', 'alice', 'run', 'whoami']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /You are @alice \(roles: member; via api\)/);
    await server.app.audit.drain();
    const [record] = (await server.app.audit.list(SYSTEM_ACTOR, { actor: 'alice', limit: 1 })).records;
    assert.equal(record?.commandLine, 'whoami');
    assert.equal(record?.actor, 'alice', 'the run is the user’s');
    const root = await server.app.identity.requireUser('root');
    assert.deepEqual(JSON.parse(record!.detail), { via: 'root', viaId: root.id }, 'and so is who asked');

    // Rooms are the user's: alice cannot run in a private room she is not in, even through an admin.
    const room = await cli([
      '--url',
      url,
      '--token',
      server.admin.token,
      '--as',
      'alice',
      'run',
      '--room',
      'admins-only',
      'ping',
    ]);
    assert.notEqual(room.code, 0);
    assert.match(room.stderr, /E_NOT_FOUND|E_PERMISSION_DENIED/);
    const unknown = await cli(['--url', url, '--token', server.admin.token, '--as', 'nobody', 'run', 'ping']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /user 'nobody' was not found \[E_NOT_FOUND\]/);
  });

  test('--as with a non-admin token is refused with exit code 3', async () => {
    const mia = await server.user('mia');
    const result = await cli(['--url', url, '--token', mia.token, '--as', 'root', 'run', 'whoami']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /Only admins .* \[E_PERMISSION_DENIED\]/);
    assert.equal(result.stdout, '');
    const body = await server.request({
      method: 'POST',
      url: '/api/bot/run',
      as: mia,
      payload: { line: 'whoami', as: 'root' },
    });
    assert.equal(body.statusCode, 403);
    assert.equal(body.json().error.code, 'E_PERMISSION_DENIED');
    // Other commands still refuse --as without --offline: the token says who you are.
    const other = await cli(['--url', url, '--token', server.admin.token, '--as', 'mia', 'room', 'list']);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /--as works with --offline, or with `run` and `shell`/);
  });

  test('works offline on the database, as the local admin', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-run-'));
    try {
      const result = await cli(['--offline', 'run', 'whoami'], { env: { dataDir } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /@admin \(roles: admin; via cli/);
      await cli(['--offline', 'user', 'add', 'bob'], { env: { dataDir } });
      const bob = await cli(['--offline', '--as', 'bob', 'run', 'whoami'], { env: { dataDir } });
      assert.equal(bob.code, 0, bob.stderr);
      assert.match(bob.stdout, /@bob \(roles: member; via cli/);
      const typo = await cli(['--offline', '--as', 'bob', 'run', 'wohami'], { env: { dataDir } });
      assert.equal(typo.code, 2);
      assert.match(typo.stdout, /Did you mean `whoami`/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
