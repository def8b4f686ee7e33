/**
 * Who a process is, beyond its pid, and stopping a process group that outlived the server.
 *
 * Pids are reused, so a pid recorded before a crash may name another program by the time the server
 * is back. On Linux a process is the same one when its pid, its start time (field 22 `starttime` of
 * /proc/<pid>/stat, clock ticks since boot) and the boot (/proc/sys/kernel/random/boot_id) all match;
 * nothing is ever signalled otherwise. Without /proc (macOS, …) nothing can be checked, so nothing is
 * signalled. Only this module reads /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Clock } from '../core/clock.js';

export interface ProcessIdentity {
  pid: number;
  /** Its process group; action programs lead their own (pgid = pid). */
  pgid: number;
  /** Clock ticks since boot when it started; null where /proc is not available. */
  startTicks: number | null;
  /** The boot it started in; null where /proc is not available. */
  bootId: string | null;
}

interface Stat {
  /** R, S, D, Z, … (Z: a zombie, nothing runs any more). */
  state: string;
  pgid: number;
  startTicks: number;
}

/** /proc/<pid>/stat, or undefined when there is no such process (or no /proc). */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "123 (name) S ppid pgrp session …": the name may hold spaces and parentheses, so split after the
  // last ')'. fields[0] is field 3 (state), fields[2] field 5 (pgrp), fields[19] field 22 (starttime).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(fields[2]);
  const startTicks = Number(fields[19]);
  if (!Number.isSafeInteger(pgid) || !Number.isSafeInteger(startTicks)) return undefined;
  return { state: fields[0] ?? '', pgid, startTicks };
}

let bootIdCache: string | null | undefined;

/** This boot's id, or null without /proc. It cannot change while the server runs, so it is read once. */
export function currentBootId(): string | null {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache;
}

/** True where processes can be identified (Linux with /proc). */
export function canVerifyProcesses(): boolean {
  return currentBootId() !== null;
}

/**
 * The identity of a running process (read at once after spawning: the start time is set at fork and
 * survives exec). Without /proc, the pid alone with null start time and boot; undefined when the
 * process is already gone (and reaped).
 */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  const bootId = currentBootId();
  if (bootId === null) return { pid, pgid: pid, startTicks: null, bootId: null };
  const stat = readStat(pid);
  return stat ? { pid, pgid: stat.pgid, startTicks: stat.startTicks, bootId } : undefined;
}

/** What became of a recorded process group when asked to stop it. */
export type GroupStop =
  /** Its leader was the recorded process and it is gone now (SIGTERM, or SIGKILL after the grace). */
  | { outcome: 'stopped'; signals: NodeJS.Signals[] }
  /** Its leader was still the recorded process, but something in the group outlived SIGKILL. */
  | { outcome: 'survived'; alive: number[] }
  /** The recorded leader is gone; `alive` counts processes still in a group of that number (left alone). */
  | { outcome: 'ended'; alive: number[] }
  /** The pid now belongs to another process (another start time, boot or group): left alone. */
  | { outcome: 'not-ours' }
  /** No /proc, or no start time was recorded: nothing could be checked, nothing was signalled. */
  | { outcome: 'unverifiable' };

/** Processes (not zombies) whose process group is `pgid`. */
export function liveGroupMembers(pgid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const name of names) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const stat = readStat(Number(name));
    if (stat && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(name));
  }
  return members;
}

/** True when the recorded process still runs (or lingers as a zombie) as itself, leading its group. */
export function isSameProcess(recorded: ProcessIdentity): boolean {
  if (recorded.startTicks === null || recorded.bootId === null) return false;
  if (currentBootId() !== recorded.bootId) return false;
  const stat = readStat(recorded.pid);
  return stat !== undefined && stat.startTicks === recorded.startTicks && stat.pgid === recorded.pgid;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * Stops a recorded process group that outlived the server: only when its leader is still the
 * recorded process (same pid, start time and boot). SIGTERM, then SIGKILL if anything of the group
 * still runs after `graceMs`. Polls every `pollMs` of the clock's time while it waits.
 */
export async function stopRecordedGroup(
  recorded: ProcessIdentity,
  options: { clock: Clock; graceMs: number; pollMs?: number },
): Promise<GroupStop> {
  if (recorded.startTicks === null || recorded.bootId === null || !canVerifyProcesses()) {
    return { outcome: 'unverifiable' };
  }
  if (!isSameProcess(recorded)) {
    if (readStat(recorded.pid) !== undefined || currentBootId() !== recorded.bootId)
      return { outcome: 'not-ours' };
    return { outcome: 'ended', alive: liveGroupMembers(recorded.pgid) };
  }
  const pgid = recorded.pgid;
  const poll = options.pollMs ?? 50;
  // The clock's timers are unref'd; a start-up waiting out the grace period must not end the process
  // meanwhile, so a ref'd handle (it never fires) holds the event loop open until the wait is over.
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const hold = setInterval(() => {}, 1 << 30);
      options.clock.setTimer(ms, () => {
        clearInterval(hold);
        resolve();
      });
    });
  const emptyWithin = async (ms: number) => {
    for (let waited = 0; ; waited += poll) {
      if (liveGroupMembers(pgid).length === 0) return true;
      if (waited >= ms) return false;
      await sleep(poll);
    }
  };
  // Only its zombie is left, and nothing else of its group runs.
  if (liveGroupMembers(pgid).length === 0) return { outcome: 'ended', alive: [] };
  signalGroup(pgid, 'SIGTERM');
  if (await emptyWithin(options.graceMs)) return { outcome: 'stopped', signals: ['SIGTERM'] };
  // Still members of the group the recorded leader made (the number cannot be reused while they live).
  signalGroup(pgid, 'SIGKILL');
  if (await emptyWithin(Math.min(options.graceMs, 2_000))) {
    return { outcome: 'stopped', signals: ['SIGTERM', 'SIGKILL'] };
  }
  return { outcome: 'survived', alive: liveGroupMembers(pgid) };
}
