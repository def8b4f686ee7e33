/**
 * Lets whoever runs a piece of work learn about the programs it spawns, however deep the call: the job
 * runner runs each job's body inside `watchSpawns(watcher, …)`, and the process runner tells the
 * current watcher (if any) when a program starts and when it is over. A script action and a deploy
 * provider record their process groups on the job this way without passing anything along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProcessIdentity } from './process-identity.js';

export interface SpawnWatcher {
  /** A program started, leading its own process group. */
  started(process: ProcessIdentity): void;
  /** It exited and what it left in its group was stopped (or the run stopped waiting for it). */
  ended(process: ProcessIdentity): void;
}

const current = new AsyncLocalStorage<SpawnWatcher>();

/** Runs `fn` with `watcher` told of every program spawned through the process runner inside it. */
export function watchSpawns<T>(watcher: SpawnWatcher, fn: () => T): T {
  return current.run(watcher, fn);
}

/** The watcher of the work running now, if any. */
export function currentSpawnWatcher(): SpawnWatcher | undefined {
  return current.getStore();
}
