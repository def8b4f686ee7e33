/**
 * The one small interface every deploy provider implements. A provider starts the deploy, streams what
 * it sees to `io.progress`, reports facts it learns (the SHA, its own id, a link) through `io.learn`,
 * honours `io.signal` (cancel, timeout), and resolves with how it ended. It never throws for a failed
 * deploy; a thrown error is a bug or an unreachable service and fails the deploy with its message.
 */
import type { ProviderSettings } from '../../config/apps-schema.js';
import type { DeployCommit } from './schema.js';

export interface DeployRequest {
  deployId: number;
  app: string;
  environment: string;
  task: string;
  ref: string;
  /** A full or short commit id when the ref is one. */
  sha: string | undefined;
  hosts: string | undefined;
  requester: string;
  repository: string | undefined;
  settings: ProviderSettings;
}

export interface DeployFacts {
  sha?: string;
  externalId?: string;
  url?: string;
}

export interface DeployIO {
  readonly signal: AbortSignal;
  progress(text: string): void;
  learn(facts: DeployFacts): void;
}

export interface DeployOutcome {
  ok: boolean;
  /** One line for the card and the history. */
  summary: string;
  exitCode?: number;
}

export interface DeployProvider {
  deploy(request: DeployRequest, io: DeployIO): Promise<DeployOutcome>;
  /** The commits from `base` (the last deploy's SHA or ref) to the request's ref, when the provider can tell. */
  commits?(request: DeployRequest, base: string, signal: AbortSignal): Promise<DeployCommit[] | undefined>;
}

/** A status a provider waits for (GitHub deployment statuses, webhook callbacks). */
export interface ProviderStatus {
  state: string;
  description?: string | null | undefined;
  url?: string | null | undefined;
  sha?: string | undefined;
  output?: string | undefined;
}

export const TERMINAL_OK = new Set(['success']);
export const TERMINAL_FAILED = new Set(['failure', 'error', 'inactive']);

/**
 * Where statuses for running deploys arrive (a bus event, a signed callback) and where their providers
 * wait for them. In memory: a status for a deploy nobody waits for is recorded by the service instead.
 */
export class StatusFeed {
  private readonly waiters = new Map<number, (status: ProviderStatus) => void>();

  /** Calls `onStatus` for each status of the deploy until the returned function is called. */
  listen(deployId: number, onStatus: (status: ProviderStatus) => void): () => void {
    this.waiters.set(deployId, onStatus);
    return () => {
      if (this.waiters.get(deployId) === onStatus) this.waiters.delete(deployId);
    };
  }

  /** True when a running deploy took it. */
  publish(deployId: number, status: ProviderStatus): boolean {
    const waiter = this.waiters.get(deployId);
    waiter?.(status);
    return waiter !== undefined;
  }
}

/**
 * Waits for statuses until a terminal one (or the signal): each status is shown as a line, the links
 * are learned, and success or failure ends the wait.
 */
export function awaitTerminalStatus(
  feed: StatusFeed,
  deployId: number,
  io: DeployIO,
  label: string,
): { outcome: Promise<DeployOutcome>; stop(): void } {
  let end: (outcome: DeployOutcome) => void = () => {};
  const outcome = new Promise<DeployOutcome>((resolve) => {
    const stop = feed.listen(deployId, (status) => {
      const description = status.description ? `: ${status.description}` : '';
      io.progress(`${label} status ${status.state}${description}\n`);
      if (status.output) io.progress(status.output.endsWith('\n') ? status.output : `${status.output}\n`);
      io.learn({
        ...(status.url ? { url: status.url } : {}),
        ...(status.sha ? { sha: status.sha } : {}),
      });
      if (TERMINAL_OK.has(status.state))
        finish({ ok: true, summary: `${label} reported success${description}` });
      else if (TERMINAL_FAILED.has(status.state))
        finish({ ok: false, summary: `${label} reported ${status.state}${description}` });
    });
    const onAbort = () => finish({ ok: false, summary: 'stopped while waiting for the deploy status' });
    const finish = (result: DeployOutcome) => {
      stop();
      io.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    end = finish;
    if (io.signal.aborted) onAbort();
    else io.signal.addEventListener('abort', onAbort, { once: true });
  });
  return { outcome, stop: () => end({ ok: false, summary: 'stopped waiting' }) };
}
