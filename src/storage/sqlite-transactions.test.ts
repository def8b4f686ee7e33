import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openSqlite } from './database.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Another connection (another process, as the WAL checkpoint worker or an offline CLI is) takes the
 * write lock and holds it for `holdMs`; resolves once it holds it.
 */
async function holdWriteLock(file: string, holdMs: number): Promise<ChildProcess> {
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const code = `
    const Database = require(${JSON.stringify(betterSqlite)});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${holdMs});
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('SQLite transactions beside another writer', () => {
  test('a transaction that reads and then writes waits for another connection’s write lock instead of failing with SQLITE_BUSY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsroom-tx-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite');
    const database = openSqlite(file, { checkpoint: 'inline' });
    try {
      await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)`.execute(database.db);
      await sql`INSERT INTO t (n) VALUES (1)`.execute(database.db);
      const holder = await holdWriteLock(file, 300);
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      // A deferred BEGIN would take a read snapshot at the SELECT; its INSERT would then be refused at
      // once (SQLite does not wait where waiting could deadlock), whatever the busy timeout.
      const total = await database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`SELECT sum(n) AS n FROM t`.execute(trx);
        await sql`INSERT INTO t (n) VALUES (${rows[0]!.n + 1})`.execute(trx);
        return rows[0]!.n;
      });
      assert.equal(total, 1);
      const { rows } = await sql<{ c: number }>`SELECT count(*) AS c FROM t`.execute(database.db);
      assert.equal(rows[0]!.c, 2);
      await exited;
    } finally {
      await database.close();
    }
  });
});

describe('an open file database', () => {
  test('does not keep the process alive (the checkpoint worker is unref’d after its listeners)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsroom-exit-'));
    dirs.push(dir);
    const databaseModule = new URL('./database.ts', import.meta.url).href;
    const code = `
      const { openSqlite } = await import(${JSON.stringify(databaseModule)});
      const database = openSqlite(${JSON.stringify(join(dir, 'db.sqlite'))});
      database.sqlite.exec('CREATE TABLE t (x)');
      // Never closed: the process must still end once nothing else is left to do.
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.once('exit', (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
    assert.equal(exited, 0, 'the process ended on its own');
  });
});
