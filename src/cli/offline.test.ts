import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { pino } from 'pino';
import { Capture, cli, startCli, waitFor } from '../../test/support/cli.js';
import { createTestDatabase, postgresTestUrl } from '../../test/support/databases.js';
import { buildApp } from '../app.js';
import { configSchema } from '../config/schema.js';
import { VERSION } from '../version.js';
import { OfflineClient } from './offline-client.js';

describe('opsroom --offline on a SQLite data directory', () => {
  let dir: string;
  let dataDir: string;
  const offline = (args: string[], stdin?: string) =>
    cli(['--offline', ...args], { env: { dataDir }, ...(stdin === undefined ? {} : { stdin }) });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'opsroom-cli-'));
    dataDir = join(dir, 'data');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a new database gets its first-run admin, who acts by default', async () => {
    const list = await offline(['user', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, /created the first-run 'admin' user/);
    assert.match(list.stdout, /^admin\s+admin\s+no\s+active/m);
    const added = await offline(
      ['user', 'add', 'dave', '--role', 'operator', '--password-stdin'],
      'dave-password\n',
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added @dave \(roles: operator\) with a password/);
    const again = await offline(['user', 'list']);
    assert.doesNotMatch(again.stderr, /first-run/, 'only once');
    assert.match(again.stdout, /^dave\s+operator\s+yes/m);
  });

  test('--as acts as someone else, under their permissions', async () => {
    const denied = await offline(['--as', 'dave', 'user', 'add', 'erin']);
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /Only admins can add users/);
    const unknown = await offline(['--as', 'nobody', 'room', 'list']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /user 'nobody' was not found/);
    const online = await cli(['--as', 'dave', 'room', 'list'], { env: { dataDir } });
    assert.equal(online.code, 2, '--as without --offline is a usage error');
  });

  test('the services run with a cli actor', async () => {
    const config = configSchema.parse({ storage: { dataDir } });
    const client = await OfflineClient.open(config, { logStream: new Capture() });
    try {
      assert.deepEqual(
        { username: client.actor.username, channel: client.actor.channel },
        { username: 'admin', channel: 'cli' },
      );
    } finally {
      await client.close();
    }
  });

  test('rooms, say, search, export and tail work on the database', async () => {
    assert.equal((await offline(['room', 'create', 'ops'])).code, 0);
    const said = await offline(['say', '-r', 'ops', 'disk', 'full', 'on', 'db-17']);
    assert.equal(said.code, 0, said.stderr);
    assert.match(said.stdout, /^m_\S+ seq \d+$/m);
    const found = await offline(['search', 'db-17']);
    assert.match(found.stdout, /#ops @admin: .*db-17/);
    const exported = await offline(['export', '-r', 'ops']);
    assert.deepEqual(
      exported.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { text: string }).text),
      ['disk full on db-17'],
    );

    // Another process writes while tail polls: it sees the message.
    const stop = new AbortController();
    const tail = startCli(['--offline', 'tail', '-r', 'ops', '-n', '0'], {
      env: { dataDir },
      signal: stop.signal,
    });
    await waitFor('tail to follow', () => tail.stderr.text.includes('following #ops'));
    await offline(['--as', 'dave', 'say', '-r', 'ops', 'freed 20G']);
    await waitFor('the message', () => tail.stdout.text.includes('freed 20G'));
    stop.abort();
    assert.equal(await tail.done, 0);
    assert.match(tail.stdout.text, /^\d\d:\d\d:\d\d #ops \* @dave joined$/m);
    assert.match(tail.stdout.text, /^\d\d:\d\d:\d\d #ops @dave: freed 20G$/m);
  });

  test('a token made offline works against the server once it runs', async () => {
    const created = await offline(['token', 'create', '--user', 'admin', '--scopes', 'read,write,admin']);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trimEnd().split('\n').at(-1)!;
    const badScope = await offline(['token', 'create', '--scopes', 'read,wirte']);
    assert.equal(badScope.code, 2);
    assert.match(badScope.stderr, /did you mean write\?/);

    const app = await buildApp(configSchema.parse({ storage: { dataDir }, server: { port: 0 } }), {
      logger: pino({ level: 'silent' }),
    });
    try {
      const url = await app.start();
      const listed = await cli(['--url', url, '--token', token, 'user', 'add', 'frank']);
      assert.equal(listed.code, 0, listed.stderr);
    } finally {
      await app.close();
    }
  });

  test('backup writes a consistent SQLite copy and never overwrites by accident', async () => {
    const file = join(dir, 'backup.sqlite');
    const done = await cli(['backup', file], { env: { dataDir } });
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Backed up .*opsroom\.sqlite to .*backup\.sqlite \(\d+ pages\)/);
    const copy = new SqliteDatabase(file, { readonly: true });
    try {
      const users = copy.prepare('select username from users order by username').all() as {
        username: string;
      }[];
      assert.ok(users.some((u) => u.username === 'dave'));
    } finally {
      copy.close();
    }
    const again = await cli(['backup', file], { env: { dataDir } });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists; pass --force/);
    assert.equal((await cli(['backup', '--force', file], { env: { dataDir } })).code, 0);
    const missing = await cli(['backup', join(dir, 'x.sqlite')], { env: { dataDir: join(dir, 'nothing') } });
    assert.equal(missing.code, 1);
    assert.ok(!existsSync(join(dir, 'nothing')), 'a backup never creates an empty database');
  });
});

test('backup of PostgreSQL runs pg_dump', async () => {
  const database = await createTestDatabase('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-cli-pg-'));
  try {
    const file = join(dir, 'opsroom.dump');
    const result = await cli(['backup', file], { env: { databaseUrl: postgresTestUrl() } });
    if (result.code !== 0 && /not on PATH/.test(result.stderr)) return; // no client tools on this machine
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /with pg_dump/);
    assert.ok(statSync(file).size > 0);
  } finally {
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the opsroom process', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });

  test('--help lists every command; a typo exits 2', () => {
    const help = run(['--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const command of [
      'serve',
      'migrate',
      'config',
      'user',
      'token',
      'room',
      'say',
      'tail',
      'search',
      'export',
      'backup',
    ])
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    const typo = run(['tokn', 'create']);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /Did you mean token\?/);
  });

  test('bin/opsroom.js runs the built CLI', {
    skip: !existsSync('dist/cli/run.js') && 'dist/ not built',
  }, () => {
    const result = spawnSync(process.execPath, ['bin/opsroom.js', '--version'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), VERSION);
  });
});
