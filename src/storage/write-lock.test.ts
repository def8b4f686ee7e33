import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { openSqlite } from './database.js';
import { WriteLock } from './write-lock.js';

/**
 * Real threads: this file is also the workers' code (`isMainThread` false below), loaded through tsx.
 * A worker is told what to do by `workerData.role`.
 */

type Role =
  | { role: 'count'; lock: SharedArrayBuffer; shared: SharedArrayBuffer; rounds: number }
  | { role: 'hold'; lock: SharedArrayBuffer; exitHolding: boolean }
  | { role: 'sqlite'; lock: SharedArrayBuffer; file: string; transactions: number };

/** Shared cells of the counting test: [start flag, counter, then the ticket of each grant, in order]. */
const START = 0;
const COUNTER = 1;
const LOG = 2;

/**
 * One round: a read-modify-write of the shared counter, spread out so that without the lock the other
 * thread would overwrite it often; the ticket granted is logged at the position of its grant.
 */
function countRound(lock: WriteLock, cells: Int32Array): void {
  lock.acquire();
  try {
    const n = cells[COUNTER]!;
    cells[LOG + n] = lock.ticket;
    let spin = 0;
    for (let i = 0; i < 200; i++) spin += i;
    cells[COUNTER] = n + 1 + (spin < 0 ? 1 : 0);
  } finally {
    lock.release();
  }
}

async function workerMain(data: Role): Promise<void> {
  const lock = new WriteLock(data.lock);
  if (data.role === 'count') {
    const cells = new Int32Array(data.shared);
    parentPort!.postMessage('ready');
    Atomics.wait(cells, START, 0);
    for (let i = 0; i < data.rounds; i++) countRound(lock, cells);
    parentPort!.postMessage({ stolen: lock.stolen });
  } else if (data.role === 'hold') {
    lock.acquire();
    parentPort!.postMessage('held');
    if (data.exitHolding) return;
    parentPort!.once('message', () => {
      lock.release();
      parentPort!.postMessage('released');
    });
  } else {
    const database = openSqlite(data.file, { checkpoint: 'inline', busyTimeoutMs: 0, writeLock: lock });
    try {
      await new Promise<void>((resolve) => {
        parentPort!.once('message', () => resolve());
        parentPort!.postMessage('ready');
      });
      for (let i = 0; i < data.transactions; i++) {
        await database.db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM t WHERE who = 'worker'`.execute(
            trx,
          );
          await new Promise((resolve) => setImmediate(resolve));
          await sql`INSERT INTO t (who, n) VALUES ('worker', ${rows[0]!.n})`.execute(trx);
        });
      }
      parentPort!.postMessage({ done: true, stolen: lock.stolen });
    } finally {
      await database.close();
    }
  }
}

/**
 * Boots a worker on this file through tsx (a worker does not inherit the test's loader). `exited`
 * settles when it ends (rejects if it failed), listened for from the start so no exit is missed.
 */
function startWorker(data: Role): Worker & { exited: Promise<number> } {
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: data });
  const exited = new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
  exited.catch(() => {});
  return Object.assign(worker, { exited });
}

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    worker.once('error', onError);
    worker.once('message', (message: T) => {
      worker.off('error', onError);
      resolve(message);
    });
  });
}

if (!isMainThread) {
  await workerMain(workerData as Role);
} else {
  const { after, describe, test } = await import('node:test');
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('WriteLock', () => {
    test('two threads in a read-modify-write: no update lost, grants in ticket order', async () => {
      const rounds = 2000;
      const lock = new WriteLock();
      const shared = new SharedArrayBuffer((LOG + 2 * rounds) * 4);
      const cells = new Int32Array(shared);
      const worker = startWorker({ role: 'count', lock: lock.buffer, shared, rounds });
      assert.equal(await nextMessage(worker), 'ready');
      const done = nextMessage<{ stolen: number }>(worker);
      // Both threads start together: the worker waits for the flag main raises.
      Atomics.store(cells, START, 1);
      Atomics.notify(cells, START);
      for (let i = 0; i < rounds; i++) countRound(lock, cells);
      assert.deepEqual(await done, { stolen: 0 });
      assert.equal(await worker.exited, 0);
      assert.equal(cells[COUNTER], 2 * rounds);
      const grants = Array.from(cells.subarray(LOG));
      assert.deepEqual(
        grants,
        grants.map((_, i) => i),
      );
      assert.equal(lock.stolen, 0);
    });

    test('reentrant within a thread: nested holds count, the last release lets the next ticket in', () => {
      const lock = new WriteLock();
      const cells = new Int32Array(lock.buffer);
      assert.equal(lock.acquire(), false);
      assert.equal(
        lock.run(() => lock.acquire()),
        false,
      );
      assert.deepEqual([...cells], [1, 0, 0], 'one ticket taken, still served');
      lock.release();
      assert.equal(lock.held, true);
      assert.deepEqual([...cells], [1, 0, 0]);
      lock.release();
      assert.equal(lock.held, false);
      assert.deepEqual([...cells], [1, 1, 0], 'the next ticket is served');
      assert.throws(() => lock.release(), /without a matching acquire/);
    });

    test('a thread that ends holding the lock: the next acquirer moves it on after the timeout', async () => {
      const shared = new WriteLock().buffer;
      const worker = startWorker({ role: 'hold', lock: shared, exitHolding: true });
      assert.equal(await nextMessage(worker), 'held');
      assert.equal(await worker.exited, 0);
      const lock = new WriteLock(shared, { stealAfterMs: 20 });
      assert.equal(lock.acquire(), true);
      assert.equal(lock.stolen, 1);
      lock.release();
      // From then on the queue runs normally.
      assert.equal(lock.acquire(), false);
      lock.release();
      assert.equal(lock.stolen, 1);
      assert.equal(new WriteLock(shared).stolenByAny, 1, 'every thread sees the steal (the metric)');
      assert.deepEqual([...new Int32Array(shared)], [3, 3, 1]);
    });

    test('whenFree waits for the other thread without blocking this one, and keeps the process alive', async () => {
      const lock = new WriteLock();
      const worker = startWorker({ role: 'hold', lock: lock.buffer, exitHolding: false });
      assert.equal(await nextMessage(worker), 'held');
      let free = false;
      const waiting = lock.whenFree().then(() => {
        free = true;
      });
      // The event loop runs meanwhile: a blocking wait would keep this from happening before release.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(free, false, 'still held by the worker');
      worker.postMessage('release');
      assert.equal(await nextMessage(worker), 'released');
      await waiting;
      assert.equal(free, true);
      assert.equal(lock.acquire(), false, 'taken at once, no steal');
      lock.release();
      // At once when this thread already holds it (a transaction inside another).
      lock.run(() => assert.equal(lock.held, true));
      await worker.terminate();
    });

    test('a holder that was moved on: its late release does not let a third thread in', async () => {
      const shared = new WriteLock().buffer;
      const worker = startWorker({ role: 'hold', lock: shared, exitHolding: false });
      assert.equal(await nextMessage(worker), 'held');
      const lock = new WriteLock(shared, { stealAfterMs: 20 });
      assert.equal(lock.acquire(), true);
      assert.equal(lock.ticket, 1);
      worker.postMessage('release');
      assert.equal(await nextMessage(worker), 'released');
      assert.equal(new Int32Array(shared)[1], 1, 'still ours');
      lock.release();
      assert.equal(new Int32Array(shared)[1], 2);
      await worker.terminate();
    });
  });

  describe('SQLite writers in two threads, one file, busy timeout 0 on both', () => {
    test('never meet inside SQLite: no SQLITE_BUSY, every row written', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'opsroom-write-lock-'));
      dirs.push(dir);
      const file = join(dir, 'db.sqlite');
      const database = openSqlite(file, { checkpoint: 'inline', busyTimeoutMs: 0 });
      const transactions = 200;
      let worker: ReturnType<typeof startWorker> | undefined;
      try {
        const sqlite = database.sqlite!;
        const lock = database.writeLock!;
        sqlite.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT NOT NULL, n INTEGER NOT NULL);
          CREATE TABLE chain (seq INTEGER PRIMARY KEY, prev INTEGER)`);
        assert.equal(sqlite.pragma('busy_timeout', { simple: true }), 0);
        worker = startWorker({ role: 'sqlite', lock: lock.buffer, file, transactions });
        assert.equal(await nextMessage(worker), 'ready');
        const done = nextMessage<{ done: boolean; stolen: number }>(worker);
        worker.postMessage('go');

        // As the audit append: a better-sqlite3 IMMEDIATE transaction, run holding Kysely's connection.
        const head = sqlite.prepare('SELECT max(seq) FROM chain').pluck();
        const insert = sqlite.prepare('INSERT INTO chain (seq, prev) VALUES (?, ?)');
        const append = sqlite.transaction(() => {
          const prev = (head.get() as number | null) ?? 0;
          insert.run(prev + 1, prev);
        });
        const kysely = async () => {
          for (let i = 0; i < transactions; i++) {
            await database.db.transaction().execute(async (trx) => {
              const { rows } = await sql<{
                n: number;
              }>`SELECT count(*) AS n FROM t WHERE who = 'main'`.execute(trx);
              await new Promise((resolve) => setImmediate(resolve));
              await sql`INSERT INTO t (who, n) VALUES ('main', ${rows[0]!.n})`.execute(trx);
            });
            // A write outside any transaction: the lock around that one statement.
            if (i % 4 === 0)
              await sql`INSERT INTO t (who, n) VALUES ('autocommit', ${i})`.execute(database.db);
          }
        };
        const immediate = async () => {
          for (let i = 0; i < transactions; i++) {
            await database.db.connection().execute(async () => lock.run(() => append.immediate()));
            await new Promise((resolve) => setImmediate(resolve));
          }
        };
        await Promise.all([kysely(), immediate()]);
        assert.deepEqual(await done, { done: true, stolen: 0 });
        assert.equal(await worker.exited, 0);

        const counts = Object.fromEntries(
          (
            sqlite.prepare('SELECT who, count(*) AS c FROM t GROUP BY who').all() as {
              who: string;
              c: number;
            }[]
          ).map((r) => [r.who, r.c]),
        );
        assert.deepEqual(counts, { main: transactions, worker: transactions, autocommit: transactions / 4 });
        // Each transaction saw its thread's rows before it: none was lost or written twice.
        for (const who of ['main', 'worker']) {
          const ns = sqlite.prepare('SELECT n FROM t WHERE who = ? ORDER BY id').pluck().all(who);
          assert.deepEqual(
            ns,
            ns.map((_, i) => i),
          );
        }
        assert.equal(sqlite.prepare('SELECT count(*) FROM chain').pluck().get(), transactions);
        assert.equal(lock.stolen, 0);
        assert.equal(lock.held, false);
        assert.deepEqual(
          new Int32Array(lock.buffer)[0],
          new Int32Array(lock.buffer)[1],
          'every ticket served',
        );
      } finally {
        // On failure the worker may still be writing: end it before the connection it shares the file with.
        await worker?.terminate();
        await database.close();
      }
    });
  });
}
