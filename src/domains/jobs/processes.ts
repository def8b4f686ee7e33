/**
 * A job's programs. While a job runs, every program it spawns through the process runner (script
 * actions, deploy providers) is recorded in `job_processes` with its leader's identity (pid, start time,
 * boot) and removed when it is over. A server killed with -9 leaves those process groups running, with
 * nobody reading their output and their locks gone; at the next start `recoverInterruptedJobs` stops
 * the ones still led by the same process (SIGTERM, SIGKILL after a grace) and says so on the job.
 */
import type { Clock } from '../../core/clock.js';
import { type GroupStop, type ProcessIdentity, stopRecordedGroup } from '../../runtime/process-identity.js';
import { watchSpawns } from '../../runtime/spawn-watch.js';
import { jobCard } from './card.js';
import { lastLinesOf } from './job-outcome.js';
import type { JobRunnerDeps } from './runner.js';
import { type JobRow, type JobStore, jobView } from './store.js';

/** Between SIGTERM and SIGKILL for a group found at the restart. */
export const ORPHAN_GRACE_MS = 5_000;

const INTERRUPTED = 'The server stopped while this job was running; its outcome is unknown.';

/** Runs a job's body with every program it spawns recorded on the job until that program is over. */
export function trackSpawns<T>(
  deps: { store: JobStore; clock: Clock; onError: JobRunnerDeps['onError'] },
  jobId: number,
  body: () => T,
): T {
  // In order per job: a program that ends at once must not be recorded after its removal.
  let writes = Promise.resolve();
  const write = (work: () => Promise<void>) => {
    writes = writes.then(work).catch((error: unknown) => deps.onError(error, { jobId }));
  };
  return watchSpawns(
    {
      started: (process) =>
        write(() => deps.store.addProcess(jobId, process, deps.clock.now().toISOString())),
      ended: (process) => write(() => deps.store.removeProcess(jobId, process.pid)),
    },
    body,
  );
}

/**
 * Jobs left queued or running by a process that died (any not `isLive` here): what they left running is
 * stopped first (all jobs' groups at once, so the start waits one grace period at most), then each is
 * marked interrupted and its card says so.
 */
export async function recoverInterruptedJobs(
  deps: JobRunnerDeps,
  isLive: (id: number) => boolean,
): Promise<number> {
  const rows = await deps.store.active();
  const orphaned = rows.filter((row) => !isLive(row.id));
  const notes = await Promise.all(orphaned.map((row) => stopOrphans(deps, row.id)));
  for (const [i, row] of orphaned.entries()) {
    const finishedAt = deps.clock.now().toISOString();
    const note = notes[i];
    const summary = note ? `${INTERRUPTED} When it restarted, ${note}.` : INTERRUPTED;
    await deps.store.update(row.id, { status: 'interrupted', finishedAt, summary });
    await deps.store.clearProcesses(row.id).catch((error: unknown) => deps.onError(error, { jobId: row.id }));
    const updated: JobRow = { ...row, status: 'interrupted', finishedAt, summary };
    if (updated.messageId) {
      const tail = lastLinesOf(updated.output);
      await deps.cards
        .update(updated.messageId, jobCard(jobView(updated), tail, deps.clock.nowMs()))
        .catch((error: unknown) => deps.onError(error, { jobId: row.id }));
    }
    deps.bus.publish('job.finished', { job: jobView(updated) });
  }
  return rows.length;
}

/** Stops what the job left running; what happened, in words (empty when nothing was recorded). */
async function stopOrphans(deps: JobRunnerDeps, jobId: number): Promise<string> {
  let recorded: ProcessIdentity[];
  try {
    recorded = await deps.store.processesOf(jobId);
  } catch (error) {
    deps.onError(error, { jobId });
    return '';
  }
  const graceMs = deps.orphanGraceMs ?? ORPHAN_GRACE_MS;
  const stops = await Promise.all(recorded.map((p) => stopRecordedGroup(p, { clock: deps.clock, graceMs })));
  return stops.map((stop, i) => describeStop(recorded[i]!, stop)).join('; ');
}

export function describeStop(recorded: ProcessIdentity, stop: GroupStop): string {
  const group = `its processes (pgid ${recorded.pgid})`;
  switch (stop.outcome) {
    case 'stopped':
      return `${group} were still running and were stopped (${stop.signals.join(', then ')})`;
    case 'survived':
      return `${group} were sent SIGTERM and SIGKILL but ${stop.alive.length} still run (pids ${stop.alive.join(', ')})`;
    case 'ended':
      return stop.alive.length === 0
        ? `${group} had already ended`
        : `the leader of ${group} had ended, but ${stop.alive.length} process(es) in a group of that number ` +
            `still run (pids ${stop.alive.join(', ')}); they were left alone, since a group whose leader is ` +
            'gone cannot be told from a reused number: check them by hand';
    case 'not-ours':
      return `pid ${recorded.pid} belongs to another process now, so nothing was signalled`;
    case 'unverifiable':
      return `${group} could not be checked on this system (no /proc), so they were left alone`;
  }
}
