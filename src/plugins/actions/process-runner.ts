/**
 * Runs one program for an action: an argv array (never a shell string), in its own process group, with
 * exactly the environment it is given. Output from stdout and stderr is forwarded as it arrives, up to a
 * cap. Stopping (cancel, timeout, the cap) sends SIGTERM to the whole group and SIGKILL after a grace
 * period, so children a script forked die with it. When the program exits on its own, whatever it left
 * running in its group is stopped the same way: a job's processes end with the job. The current spawn
 * watcher (the job runner's, see runtime/spawn-watch.ts) learns the group's identity when it starts and
 * when it is over, so a restart after a crash can stop a group the dead server left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { CancelTimer, Clock } from '../../core/clock.js';
import { identifyProcess, type ProcessIdentity } from '../../runtime/process-identity.js';
import { currentSpawnWatcher } from '../../runtime/spawn-watch.js';

export interface RunProcessOptions {
  /** Absolute path, or a bare name looked up on the environment's PATH. */
  file: string;
  args: readonly string[];
  cwd: string;
  /** The whole environment of the program; nothing of the server's leaks in unless it is here. */
  env: Readonly<Record<string, string>>;
  /** Written to the program's stdin, which is then closed. */
  stdin?: string;
  maxOutputBytes: number;
  /** Aborting stops the program (and its group). */
  signal: AbortSignal;
  /** Output text as it arrives (stdout and stderr interleaved), split at character boundaries. */
  onOutput: (text: string) => void;
  clock: Clock;
  /** Between SIGTERM and SIGKILL. Default 3 s. */
  killGraceMs?: number;
}

export interface ProcessOutcome {
  /** The exit code; null when the program died by a signal or never started. */
  exitCode: number | null;
  /** The signal that ended the program, if one did. */
  exitSignal: NodeJS.Signals | null;
  /** Why Opsroom stopped it, when it did. */
  stoppedBecause?: 'aborted' | 'output-cap';
  /** Bytes forwarded (at most the cap). */
  outputBytes: number;
  /** The program could not be started (ENOENT, EACCES, …). */
  spawnError?: NodeJS.ErrnoException;
}

const DEFAULT_KILL_GRACE_MS = 3_000;

/** `1 MiB`, `512 KiB`, `300 bytes`: how a size reads in a message. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Starts the program and resolves once it has exited and its output is closed. Never rejects. */
export function runProcess(options: RunProcessOptions): Promise<ProcessOutcome> {
  const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  if (options.signal.aborted) {
    return Promise.resolve({ exitCode: null, exitSignal: null, stoppedBecause: 'aborted', outputBytes: 0 });
  }
  return new Promise((resolve) => {
    let outputBytes = 0;
    let capped = false;
    let stoppedBecause: ProcessOutcome['stoppedBecause'];
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: NodeJS.ErrnoException | undefined;
    let killTimer: CancelTimer | undefined;
    let finished = false;

    let child: ChildProcess;
    try {
      child = spawn(options.file, [...options.args], {
        cwd: options.cwd,
        env: { ...options.env },
        // Its own process group (and session): one kill(-pid) reaches every process it starts.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      // Thrown before anything starts, e.g. a NUL byte in an argument or a variable.
      resolve({
        exitCode: null,
        exitSignal: null,
        outputBytes: 0,
        spawnError: error as NodeJS.ErrnoException,
      });
      return;
    }
    const watcher = currentSpawnWatcher();
    let identity: ProcessIdentity | undefined;
    if (watcher !== undefined && child.pid !== undefined) {
      identity = identifyProcess(child.pid);
      if (identity !== undefined) watcher.started(identity);
    }

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: nothing left in the group.
      }
    };
    const groupAlive = () => {
      if (child.pid === undefined) return false;
      try {
        process.kill(-child.pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    /** SIGTERM now, SIGKILL after the grace; then, if a pipe is still held open, stop waiting for it. */
    const sweep = () => {
      killGroup('SIGTERM');
      killTimer ??= options.clock.setTimer(grace, () => {
        killGroup('SIGKILL');
        // Something that left the group (setsid) may hold our pipes open forever: do not wait for it.
        options.clock.setTimer(grace, () => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        });
      });
    };
    const stop = (why: 'aborted' | 'output-cap') => {
      if (stoppedBecause !== undefined || finished) return;
      stoppedBecause = why;
      sweep();
    };
    const onAbort = () => stop('aborted');
    options.signal.addEventListener('abort', onAbort, { once: true });

    const forward = (decoder: StringDecoder) => (chunk: Buffer) => {
      if (capped) return;
      const room = options.maxOutputBytes - outputBytes;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      outputBytes += part.length;
      const text = decoder.write(part);
      if (text !== '') options.onOutput(text);
      if (chunk.length > room) {
        capped = true;
        options.onOutput(
          `\n[output capped at ${formatBytes(options.maxOutputBytes)}: the rest is dropped and the action stopped]\n`,
        );
        stop('output-cap');
      }
    };
    const decoders = [new StringDecoder('utf8'), new StringDecoder('utf8')] as const;
    child.stdout?.on('data', forward(decoders[0]));
    child.stderr?.on('data', forward(decoders[1]));
    // EPIPE when the program exits without reading its input: not an error of the action.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.stdin ?? '');

    const finish = () => {
      if (finished) return;
      finished = true;
      options.signal.removeEventListener('abort', onAbort);
      // An empty group needs no SIGKILL later (and its id must not be signalled once it could be reused).
      if (killTimer !== undefined && !groupAlive()) killTimer();
      if (identity !== undefined) watcher?.ended(identity);
      if (!capped) {
        for (const decoder of decoders) {
          const rest = decoder.end();
          if (rest !== '') options.onOutput(rest);
        }
      }
      resolve({
        exitCode: exit?.code ?? null,
        exitSignal: exit?.signal ?? null,
        outputBytes,
        ...(stoppedBecause !== undefined && { stoppedBecause }),
        ...(spawnError !== undefined && { spawnError }),
      });
    };

    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // The leader is gone; anything it left behind in its group goes too (and SIGKILL stays armed).
      sweep();
    });
    child.on('close', finish);
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only a failure to start ends the run here; errors after that are followed by 'close'.
      if (child.pid === undefined) {
        spawnError = error;
        finish();
      }
    });
  });
}
