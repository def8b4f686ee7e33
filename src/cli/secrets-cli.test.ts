import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../test/support/app.js';
import { cli } from '../../test/support/cli.js';

const VALUE = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';

describe('opsroom secret against a running server', () => {
  let server: TestApp;
  let url: string;
  let member: TestUser;
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-secret-cli-'));
  const as = (who: TestUser, args: string[], stdin?: string) =>
    cli(['--url', url, '--token', who.token, ...args], stdin === undefined ? {} : { stdin });

  before(async () => {
    server = await startTestApp('sqlite', { config: { secrets: { keyFile: join(dir, 'secret.key') } } });
    url = await server.listen();
    member = await server.user('mallory', ['member']);
  });
  after(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('set --value-stdin stores the value without its trailing newline; list shows names only', async () => {
    const set = await as(server.admin, ['secret', 'set', 'GITHUB_TOKEN', '--value-stdin'], `${VALUE}\n`);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Set secret GITHUB_TOKEN; actions use it as \{\{ secret\.GITHUB_TOKEN \}\}/);
    assert.equal(await server.app.secrets.resolve('GITHUB_TOKEN'), VALUE);

    // Without the flag, stdin is still where the value comes from; inner newlines are kept.
    const pem = '-----BEGIN KEY-----\nabc\n-----END KEY-----';
    assert.equal((await as(server.admin, ['secret', 'set', 'DEPLOY_KEY'], `${pem}\n`)).code, 0);
    assert.equal(await server.app.secrets.resolve('DEPLOY_KEY'), pem);

    const list = await as(server.admin, ['secret', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    assert.match(header!, /^NAME\s+UPDATED\s+BY\s+CREATED$/);
    assert.deepEqual(
      rows.map((r) => r.split(/\s+/)[0]),
      ['DEPLOY_KEY', 'GITHUB_TOKEN'],
    );
    assert.match(rows[1]!, /\broot\b/);
    const json = await as(server.admin, ['--json', 'secret', 'list']);
    assert.ok(!json.stdout.includes(VALUE) && !list.stdout.includes(VALUE));
    assert.equal((JSON.parse(json.stdout) as unknown[]).length, 2);
  });

  test('--value works but warns; empty stdin and bad names are usage errors', async () => {
    const inline = await as(server.admin, ['secret', 'set', 'INLINE_TOKEN', '--value', 'inline-value-1']);
    assert.equal(inline.code, 0, inline.stderr);
    assert.match(inline.stderr, /warning: --value puts the secret on the command line/);
    assert.equal(await server.app.secrets.resolve('INLINE_TOKEN'), 'inline-value-1');

    const empty = await as(server.admin, ['secret', 'set', 'EMPTY'], '');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no value on stdin/);
    const bad = await as(server.admin, ['secret', 'set', 'bad-name'], 'abcdefgh');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'bad-name' is not a secret name/);
    const short = await as(server.admin, ['secret', 'set', 'SHORT'], 'abc');
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 4 characters/);
  });

  test('a member is refused (exit 3); rm removes; rm of an unknown name exits 1', async () => {
    const denied = await as(member, ['secret', 'set', 'MINE'], 'abcdefgh');
    assert.equal(denied.code, 3, denied.stderr);
    assert.equal((await as(member, ['secret', 'list'])).code, 3);

    const removed = await as(server.admin, ['secret', 'rm', 'INLINE_TOKEN']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed secret INLINE_TOKEN/);
    const again = await as(server.admin, ['secret', 'rm', 'INLINE_TOKEN']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /secret 'INLINE_TOKEN' was not found/);
  });
});

describe('opsroom --offline secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-secret-offline-'));
  const dataDir = join(dir, 'data');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('works on the database directly with the key file from <dataDir>', async () => {
    const set = await cli(['--offline', 'secret', 'set', 'PAGER_KEY'], {
      env: { dataDir },
      stdin: 'pager-key-1\n',
    });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(statSync(join(dataDir, 'secret.key')).mode & 0o777, 0o600);
    const list = await cli(['--offline', 'secret', 'list'], { env: { dataDir } });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^PAGER_KEY\s+/m);
    assert.ok(!`${set.stdout}${set.stderr}${list.stdout}${list.stderr}`.includes('pager-key-1'));

    // The same data with another key file: the secret is there but unreadable, and the log says why.
    const otherKey = join(dir, 'other.key');
    writeFileSync(otherKey, `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o600 });
    const config = join(dir, 'opsroom.yaml');
    writeFileSync(config, `storage:\n  dataDir: ${dataDir}\nsecrets:\n  keyFile: ${otherKey}\n`);
    const other = await cli(['--offline', '--config', config, 'secret', 'list'], { env: {} });
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /^PAGER_KEY\s+/m);
    assert.match(other.stderr, /PAGER_KEY.*encrypted with key [0-9a-f]{8}, but the current key is/);
  });
});
