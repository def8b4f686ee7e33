/**
 * Helpers for the actions tests: real folders with real executables, and a handler context that records
 * the output the job runner would receive. Kept out of *.test.ts so the test files share them.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Actor } from '../../core/actor.js';
import type { AnyArgValue } from '../../domains/bot/arg-types.js';
import type { CommandContext } from '../../domains/bot/command.js';

export function tempDir(prefix = 'opsroom-actions-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `<root>/<folder>/action.yaml` and executable scripts beside it; returns the folder. */
export function writeAction(
  root: string,
  folder: string,
  manifest: string,
  scripts: Record<string, string> = {},
): string {
  const dir = join(root, folder);
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), body);
    chmodSync(join(dir, name), 0o755);
  }
  writeFileSync(join(dir, 'action.yaml'), manifest);
  return dir;
}

export const ALICE: Actor = { userId: 'u_alice', username: 'alice', roles: ['member'], channel: 'cli' };

export interface RecordedContext {
  ctx: CommandContext<Readonly<Record<string, AnyArgValue | undefined>>>;
  /** Everything passed to progress, joined. */
  output(): string;
  controller: AbortController;
}

/** A handler context as the job runner builds one; progress text is recorded. */
export function recordingContext(
  args: Record<string, AnyArgValue | undefined>,
  options: { jobId?: string; actor?: Actor } = {},
): RecordedContext {
  const chunks: string[] = [];
  const controller = new AbortController();
  const ctx: RecordedContext['ctx'] = {
    args,
    extra: {},
    actor: options.actor ?? ALICE,
    roomId: '',
    jobId: options.jobId ?? '42',
    line: '',
    signal: controller.signal,
    reply: async () => {},
    progress: (text) => chunks.push(text),
  };
  return { ctx, output: () => chunks.join(''), controller };
}

/** Polls until `check` holds; generous by default, for a loaded machine. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

/** True when no process has this pid, or only its zombie is left (nothing runs any more). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses: "123 (sleep) S ...".
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}
