import { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { runCli } from '../../src/cli/index.js';
import type { EnvironmentSettings } from '../../src/config/index.js';

/** Collects what is written, so a test can read stdout and stderr while a command still runs. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

export interface CliRun {
  stdout: Capture;
  stderr: Capture;
  /** Resolves with the exit code. */
  done: Promise<number>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  stdin?: string;
  signal?: AbortSignal;
  /** OPSROOM_* settings as the command sees them; {} by default, so the machine's never leak in. */
  env?: EnvironmentSettings;
}

/** Starts `opsroom <args>` in-process with its own streams. */
export function startCli(args: string[], options: CliOptions = {}): CliRun {
  const stdout = new Capture();
  const stderr = new Capture();
  const done = runCli(['node', 'opsroom', ...args], {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { stdout, stderr, done };
}

export async function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const run = startCli(args, options);
  const code = await run.done;
  return { code, stdout: run.stdout.text, stderr: run.stderr.text };
}

/** Polls until `check` is true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}
