import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { eventually } from '../../test/support/eventually.js';
import { openSqlite } from './database.js';
import { type CheckpointResult, WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-wal-'));
  dirs.push(dir);
  return join(dir, 'db.sqlite');
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const autocheckpoint = (sqlite: SqliteDatabase.Database) =>
  sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;

/** Writes `rows` rows of 2 KB in separate transactions: roughly one WAL frame each. */
function write(sqlite: SqliteDatabase.Database, rows: number): void {
  sqlite.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)');
  const insert = sqlite.prepare('INSERT INTO t (body) VALUES (?)');
  for (let i = 0; i < rows; i++) insert.run('x'.repeat(2048));
}

/** A WAL file written by this connection (no checkpoints of its own) and a checkpointer every 5 ms. */
function walWithCheckpointer(options: Partial<WalCheckpointerOptions>) {
  const file = tempFile();
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('wal_autocheckpoint = 0');
  const seen: CheckpointResult[] = [];
  const checkpointer = new WalCheckpointer({
    file,
    resolveFrom: import.meta.url,
    intervalMs: 5,
    onReady: () => {},
    onFailed: (error) => assert.fail(error),
    onCheckpoint: (r) => seen.push(r),
    ...options,
  });
  return { file, sqlite, seen, checkpointer };
}

describe('WAL checkpoints in a worker thread', () => {
  test('a file database stops checkpointing in its commits once the worker is ready, and the worker copies the WAL', async () => {
    const seen: CheckpointResult[] = [];
    const database = openSqlite(tempFile(), { checkpointIntervalMs: 5, onCheckpoint: (r) => seen.push(r) });
    const sqlite = database.sqlite!;
    await eventually(() => autocheckpoint(sqlite) === 0);
    write(sqlite, 200);
    const before = seen.length;
    // A checkpoint that started after the writes copies every frame they left in the WAL.
    const done = await eventually(
      () => seen.slice(before + 1).find((r) => r.log > 0 && r.checkpointed === r.log) ?? false,
    );
    assert.equal(done.busy, 0);
    assert.equal(sqlite.prepare('SELECT count(*) FROM t').pluck().get(), 200);
    await database.close();
  });

  test('closing stops the worker first, so the server’s connection is the last and removes the WAL', async () => {
    const file = tempFile();
    const database = openSqlite(file, { checkpointIntervalMs: 5 });
    await eventually(() => autocheckpoint(database.sqlite!) === 0);
    write(database.sqlite!, 50);
    assert.ok(existsSync(`${file}-wal`));
    await database.close();
    assert.equal(existsSync(`${file}-wal`), false);
    const reopened = new SqliteDatabase(file, { readonly: true });
    assert.equal(reopened.prepare('SELECT count(*) FROM t').pluck().get(), 50);
    reopened.close();
  });

  test('past restartFrames a RESTART lets the next commit start the WAL over, so it stays small', async () => {
    const { file, sqlite, seen, checkpointer } = walWithCheckpointer({ restartFrames: 100 });
    for (let round = 0; round < 10; round++) {
      write(sqlite, 150);
      // Checkpoints that started after the writes: reports of those that ran during them (the writes
      // hold this thread) arrive only now, before the mark. Either one RESTARTs, or a RESTART in the
      // middle of the writes already left the WAL below restartFrames, all copied.
      await checkpointer.mark();
      const from = seen.length;
      await eventually(() =>
        seen
          .slice(from)
          .some((r) => r.busy === 0 && (r.mode === 'RESTART' || (r.log < 100 && r.log === r.checkpointed))),
      );
    }
    // Without restarts the WAL would hold every frame of the 1500 commits (three each, 4 KB): 4500;
    // with them it holds what one round wrote (about 460), plus fewer than restartFrames.
    const frames = statSync(`${file}-wal`).size / 4096;
    assert.ok(frames < 750, `WAL holds ${frames} frames`);
    await checkpointer.stop();
    sqlite.close();
  });

  test('an idle WAL is truncated only after truncateAfterIdleMs, not at every pause', async () => {
    const { file, sqlite, seen, checkpointer } = walWithCheckpointer({
      truncateAboveBytes: 4096,
      truncateAfterIdleMs: 400,
    });
    write(sqlite, 50);
    // Caught up and idle for a few ticks (20 ms): the WAL file keeps its size.
    await eventually(() =>
      assert.ok(
        seen.filter((r) => r.mode === 'PASSIVE' && r.log > 0).length >= 6,
        JSON.stringify(seen.slice(-3)),
      ),
    );
    assert.ok(statSync(`${file}-wal`).size > 4096, 'truncated at the first pause');
    assert.ok(!seen.some((r) => r.mode === 'TRUNCATE'));
    // Idle for truncateAfterIdleMs: truncated.
    await eventually(() =>
      assert.ok(
        seen.some((r) => r.mode === 'TRUNCATE'),
        'no TRUNCATE',
      ),
    );
    assert.equal(statSync(`${file}-wal`).size, 0);
    await checkpointer.stop();
    sqlite.close();
  });

  test('RESTART waits while the file’s WriteLock is held, so no writer of the server meets it in SQLite', async () => {
    const file = tempFile();
    const database = openSqlite(file, { checkpoint: 'inline' });
    const sqlite = database.sqlite!;
    sqlite.pragma('wal_autocheckpoint = 0');
    const lock = database.writeLock!;
    const seen: CheckpointResult[] = [];
    const checkpointer = new WalCheckpointer({
      file,
      resolveFrom: import.meta.url,
      intervalMs: 5,
      restartFrames: 10,
      writeLock: lock.buffer,
      onReady: () => {},
      onFailed: (error) => assert.fail(error),
      onCheckpoint: (r) => seen.push(r),
    });
    lock.acquire();
    write(sqlite, 50);
    // Ticks that found the WAL past restartFrames once every frame was copied: each would RESTART.
    await eventually(
      () => seen.filter((r) => r.mode === 'PASSIVE' && r.log >= 10 && r.checkpointed === r.log).length >= 5,
    );
    assert.equal(seen.filter((r) => r.mode === 'RESTART').length, 0);
    lock.release();
    await eventually(() => seen.some((r) => r.mode === 'RESTART' && r.busy === 0));
    await checkpointer.stop();
    // The checkpointer took a ticket and gave it back: the next writer is served at once.
    assert.equal(lock.acquire(), false);
    lock.release();
    const [next, serving] = new Int32Array(lock.buffer);
    assert.equal(next, serving);
    await database.close();
  });

  test('a second process’s connection (an offline CLI beside the server) writes and closes alongside', async () => {
    const file = tempFile();
    const server = openSqlite(file, { checkpointIntervalMs: 5 });
    const cli = openSqlite(file, { checkpointIntervalMs: 5 });
    await eventually(() => autocheckpoint(server.sqlite!) === 0 && autocheckpoint(cli.sqlite!) === 0);
    write(server.sqlite!, 100);
    write(cli.sqlite!, 100);
    await cli.close();
    write(server.sqlite!, 10);
    assert.equal(server.sqlite!.prepare('SELECT count(*) FROM t').pluck().get(), 210);
    await server.close();
  });

  test('in-memory databases and checkpoint: inline keep SQLite’s own checkpoints and start no worker', async () => {
    const memory = openSqlite(':memory:');
    const inline = openSqlite(tempFile(), { checkpoint: 'inline' });
    write(inline.sqlite!, 10);
    assert.equal(autocheckpoint(memory.sqlite!), 4000);
    assert.equal(autocheckpoint(inline.sqlite!), 4000);
    await memory.close();
    await inline.close();
  });

  test('a worker that cannot open the file reports it, and stopping it still resolves', async () => {
    const failures: Error[] = [];
    const checkpointer = new WalCheckpointer({
      file: join(tmpdir(), 'opsroom-wal-missing', 'none.sqlite'),
      resolveFrom: import.meta.url,
      onReady: () => assert.fail('must not be ready'),
      onFailed: (error) => failures.push(error),
    });
    await eventually(() => failures.length === 1);
    await checkpointer.stop();
    assert.equal(failures.length, 1);
  });
});
