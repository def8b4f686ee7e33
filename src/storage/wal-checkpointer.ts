import { Worker } from 'node:worker_threads';

/**
 * The worker's code, plain JavaScript run with `eval` and no `execArgv`: it needs no TypeScript
 * loader and runs the same from `src/` (tsx) and `dist/`. It opens its own connection to the file.
 *
 * Each tick copies the WAL into the database with a PASSIVE checkpoint, which never takes the write
 * lock: the server's commits go on meanwhile. Under steady writes a PASSIVE checkpoint never quite
 * catches up (its two fsyncs take longer than the gap between commits), and SQLite only starts the WAL
 * over once every frame was copied, so past `restartFrames` a RESTART follows: it takes the write
 * lock for what the PASSIVE just left (a few frames and the syncs, a few ms) and lets the next commit
 * start the WAL from the beginning. Its busy timeout is 0: if a commit is under way it gives up at
 * once and is tried again shortly. When nothing was written for `truncateAfterIdleMs` (a minute) and
 * the WAL file has grown, TRUNCATE shrinks it: not after every pause of an alert storm, since a burst
 * after a truncated WAL grows the file again page by page (on this machine alert ingest right after a
 * two-second pause ran roughly 10-20% slower when the WAL had been truncated in it). Both take SQLite's write lock, so they run only when the file's WriteLock
 * (storage/write-lock.ts) is free, holding it meanwhile: the server's writers then wait for them on
 * that lock, not in SQLite's busy handler.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, fsyncSync, openSync, statSync } = require('node:fs');
const Database = require('node:module').createRequire(workerData.resolveFrom)('better-sqlite3');
const { file, intervalMs, restartFrames, truncateAboveBytes, truncateIdleTicks, writeLock } = workerData;
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
let timer;
let idleTicks = 0;
let lastLog = -1;
const walBytes = () => { try { return statSync(file + '-wal').size; } catch { return 0; } };
// Synced here without any lock, the WAL has little left to sync while RESTART holds the write lock.
const syncWal = () => {
  let fd;
  try { fd = openSync(file + '-wal', 'r'); fsyncSync(fd); } catch {} finally { if (fd !== undefined) closeSync(fd); }
};
const checkpoint = (mode) => {
  const started = performance.now();
  const [r] = db.pragma('wal_checkpoint(' + mode + ')');
  const ms = performance.now() - started;
  parentPort.postMessage({ type: 'checkpoint', mode, busy: r.busy, log: r.log, checkpointed: r.checkpointed, ms });
  return r;
};
// WriteLock's cells are [next ticket, ticket served]: when they are equal nobody holds or waits, and
// taking the next ticket holds it. Taken only then (never waited for): busy, as a busy SQLite lock is.
const lock = writeLock && new Int32Array(writeLock);
const checkpointLocked = (mode) => {
  if (!lock) return checkpoint(mode);
  const ticket = Atomics.load(lock, 1);
  if (Atomics.compareExchange(lock, 0, ticket, (ticket + 1) | 0) !== ticket) return { busy: 1 };
  try { return checkpoint(mode); } finally {
    Atomics.compareExchange(lock, 1, ticket, (ticket + 1) | 0);
    Atomics.notify(lock, 1);
  }
};
const tick = () => {
  let next = intervalMs;
  try {
    let r = checkpoint('PASSIVE');
    if (r.log >= restartFrames) {
      // Each PASSIVE leaves what was committed while it ran: fewer frames each time, as it gets shorter.
      for (let i = 0; i < 3 && r.log - r.checkpointed > 64; i++) r = checkpoint('PASSIVE');
      syncWal();
      if (checkpointLocked('RESTART').busy !== 0) next = Math.min(intervalMs, 10);
    }
    const caughtUp = r.busy === 0 && r.log === r.checkpointed;
    idleTicks = caughtUp && r.log === lastLog ? idleTicks + 1 : 0;
    lastLog = r.log;
    if (idleTicks === truncateIdleTicks && walBytes() > truncateAboveBytes) checkpointLocked('TRUNCATE');
  } catch (error) {
    // SQLITE_BUSY (someone holds a lock the checkpoint needs): try again next tick.
    if (error && error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED')
      parentPort.postMessage({ type: 'error', message: String(error && error.message) });
  }
  timer = setTimeout(tick, next);
};
parentPort.on('message', (message) => {
  if (message === 'mark') return parentPort.postMessage({ type: 'mark' });
  if (message !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
timer = setTimeout(tick, intervalMs);
`;

export interface CheckpointResult {
  mode: 'PASSIVE' | 'RESTART' | 'TRUNCATE';
  /** 1 when the checkpoint could not finish (a lock was busy). */
  busy: number;
  /** Frames in the WAL, and how many of them are in the database now. */
  log: number;
  checkpointed: number;
  /** How long it took. */
  ms: number;
}

export interface WalCheckpointerOptions {
  /** The SQLite file (not `:memory:`), already in WAL mode. */
  file: string;
  /** Where `better-sqlite3` is resolved from: this module's URL. */
  resolveFrom: string;
  /** How often the worker checkpoints (a PASSIVE checkpoint with nothing new costs microseconds). */
  intervalMs?: number;
  /** WAL frames (pages) past which a RESTART checkpoint lets the WAL start over. */
  restartFrames?: number;
  /** An idle WAL file bigger than this is truncated. */
  truncateAboveBytes?: number;
  /** How long nothing must be written before the WAL file is truncated. */
  truncateAfterIdleMs?: number;
  /** Called once the worker holds its connection: the caller stops checkpointing on its own. */
  onReady: () => void;
  /** Called if the worker fails or exits early: the caller checkpoints on its own again. */
  onFailed: (error: Error) => void;
  /** Each completed tick (tests): frames in the WAL and frames copied. */
  onCheckpoint?: (result: CheckpointResult) => void;
  /** The buffer of the file's WriteLock, taken around RESTART and TRUNCATE when free. */
  writeLock?: SharedArrayBuffer;
}

/**
 * Checkpoints a SQLite WAL from a worker thread, so the 10–40 ms a checkpoint takes (copying pages
 * and syncing the file) no longer stalls the commit that happened to cross `wal_autocheckpoint`.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopping = false;
  private failed = false;
  private readonly marks: Array<() => void> = [];

  constructor(options: WalCheckpointerOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: {
        file: options.file,
        resolveFrom: options.resolveFrom,
        intervalMs: options.intervalMs ?? 250,
        restartFrames: options.restartFrames ?? 16000,
        truncateAboveBytes: options.truncateAboveBytes ?? 16 * 1024 * 1024,
        truncateIdleTicks: Math.max(
          1,
          Math.round((options.truncateAfterIdleMs ?? 60_000) / (options.intervalMs ?? 250)),
        ),
        writeLock: options.writeLock,
      },
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    const fail = (error: Error) => {
      if (this.failed || this.stopping) return;
      this.failed = true;
      void this.worker.terminate();
      options.onFailed(error);
    };
    this.worker.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'ready') options.onReady();
      else if (message.type === 'checkpoint') options.onCheckpoint?.(message as never);
      else if (message.type === 'mark') {
        this.marks.shift()?.();
        if (this.marks.length === 0) this.worker.unref();
      } else if (message.type === 'error') fail(new Error(`WAL checkpoint failed: ${message.message}`));
    });
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`WAL checkpointer exited with code ${code}`)));
    // A database someone forgot to close must not keep the process alive. After the listeners: adding
    // a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  /**
   * Resolves once the worker has seen this call: every checkpoint reported after it started after it.
   * (Reports of checkpoints that ran while the caller was busy arrive late, as the caller's next turn.)
   */
  mark(): Promise<void> {
    return new Promise((resolve) => {
      this.marks.push(resolve);
      this.worker.ref(); // the worker is unref'd: the process must not exit while its answer is awaited
      this.worker.postMessage('mark');
    });
  }

  /** Stops the worker after its current checkpoint and waits until it has closed its connection. */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.worker.postMessage('stop');
    }
    const timeout = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timeout);
  }
}
