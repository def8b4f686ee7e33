import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { cli } from '../../../test/support/cli.js';
import type { AuditRecord } from '../client.js';

describe('opsroom audit against a running server', () => {
  let server: TestApp;
  let url: string;
  let member: TestUser;
  const as = (who: TestUser, ...args: string[]) => cli(['--url', url, '--token', who.token, ...args]);

  before(async () => {
    server = await startTestApp('sqlite');
    url = await server.listen();
    member = await server.user('mallory', ['member']);
    await server.app.audit.drain();
  });
  after(() => server.dispose());

  test('list, export, and verify exit 0 while the chain is intact', async () => {
    const list = await as(server.admin, 'audit', 'list', '--limit', '3');
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    assert.match(header!, /^SEQ\s+TIME\s+ACTOR\s+VIA\s+ACTION\s+DECISION/);
    assert.equal(rows.length, 3);
    assert.match(list.stdout, /token\.created/);
    assert.match(list.stderr, /older records: --before \d+/);

    const filtered = await as(server.admin, '--json', 'audit', 'list', '--action', 'user.created');
    const page = JSON.parse(filtered.stdout) as { records: AuditRecord[] };
    const added = page.records.map((r) => JSON.parse(r.detail).username as string);
    for (const name of ['root', 'mallory']) assert.ok(added.includes(name), `${name} in ${added.join(', ')}`);

    const exported = await as(server.admin, 'audit', 'export');
    assert.equal(exported.code, 0, exported.stderr);
    const records = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditRecord);
    assert.deepEqual(
      records.map((r) => r.seq),
      records.map((_, i) => i + 1),
    );

    const verify = await as(server.admin, 'audit', 'verify');
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(
      verify.stdout,
      new RegExp(`^Audit log intact: ${records.length} records; last hash [0-9a-f]{64}`),
    );
  });

  test('a member is refused with exit 3', async () => {
    const denied = await as(member, 'audit', 'verify');
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /Only admins can read the audit log/);
    assert.equal((await as(member, 'audit', 'list')).code, 3);
    assert.equal((await as(member, 'audit', 'export')).code, 3);
  });

  test('bad options are usage errors', async () => {
    assert.equal((await as(server.admin, 'audit', 'list', '--limit', '0')).code, 2);
    assert.equal((await as(server.admin, 'audit', 'lst')).code, 2);
  });

  test('a row edited by hand: verify exits 1 and names it', async () => {
    // Beside the server, as an intruder with file access would: the guard trigger goes first.
    const file = server.database.url.replace(/^sqlite:/, '');
    const intruder = new SqliteDatabase(file);
    try {
      intruder.exec('DROP TRIGGER audit_log_no_update');
      intruder.prepare("UPDATE audit_log SET outcome = 'failed' WHERE seq = 2").run();
    } finally {
      intruder.close();
    }
    const verify = await as(server.admin, 'audit', 'verify');
    assert.equal(verify.code, 1, verify.stderr);
    assert.equal(verify.stdout, 'Audit log TAMPERED at seq 2: hash mismatch: the record was edited\n');
    const json = await as(server.admin, '--json', 'audit', 'verify');
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), {
      ok: false,
      seq: 2,
      reason: 'hash mismatch: the record was edited',
    });
  });
});

describe('opsroom --offline audit', () => {
  let dir: string;
  const offline = (...args: string[]) => cli(['--offline', ...args], { env: { dataDir: dir } });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'opsroom-audit-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('offline changes are audited and verify on the database', async () => {
    assert.equal((await offline('user', 'add', 'frank')).code, 0);
    const list = await offline('--json', 'audit', 'list', '--actor', '@admin');
    assert.equal(list.code, 0, list.stderr);
    const { records } = JSON.parse(list.stdout) as { records: AuditRecord[] };
    assert.equal(records[0]?.action, 'user.created');
    assert.equal(JSON.parse(records[0]!.detail).username, 'frank');
    const verify = await offline('audit', 'verify');
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /^Audit log intact: \d+ records/);
  });
});
