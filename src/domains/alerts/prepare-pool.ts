import { Worker } from 'node:worker_threads';
import { CodedError, ErrorCode, ValidationError } from '../../core/errors.js';
import type { Prepared } from './ingest-prepare.js';
import { type PayloadKind, type PrepareLimits, prepareDelivery } from './prepare-delivery.js';
import type { PrepareAnswer, PrepareRequest } from './prepare-worker.js';

/**
 * Prepares large hook bodies (JSON parse, checks, fingerprints, canonical JSON: a few microseconds
 * per alert) on a worker thread, so the event loop, which must run every SQLite statement, spends
 * its time on those while a second core parses the next bodies. Small bodies are prepared inline:
 * for a few alerts the hop costs more than it saves, and they are the latency-sensitive case. The
 * worker gives exactly what the inline path gives (prepare-delivery.ts on both sides); if it fails or
 * exits, what it had in hand is prepared inline and the next large body starts a new one.
 */
const MAX_LOST = 3;

export class PreparePool {
  #worker: Worker | undefined;
  readonly #pending = new Map<
    number,
    { request: PrepareRequest; resolve: (alerts: Prepared[]) => void; reject: (error: unknown) => void }
  >();
  #nextId = 0;
  #closed = false;
  /** Workers lost so far: past a few, everything is prepared inline (a worker that cannot start). */
  #lost = 0;

  constructor(
    private readonly options: {
      limits: PrepareLimits;
      /** Bodies of at least this many bytes go to the worker. */
      minWorkerBytes: number;
      onError: (error: unknown) => void;
    },
  ) {}

  /** The prepared alerts of a body; CodedError or ValidationError as the inline path throws them. */
  prepare(kind: PayloadKind, body: Uint8Array, nowMs: number): Promise<Prepared[]> | Prepared[] {
    if (body.length < this.options.minWorkerBytes || this.#closed || this.#lost >= MAX_LOST)
      return prepareDelivery(kind, body, this.options.limits, nowMs);
    const worker = this.#worker ?? this.#start();
    const request: PrepareRequest = { id: this.#nextId++, kind, body, limits: this.options.limits, nowMs };
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { request, resolve, reject });
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#inlinePending();
    await worker?.terminate();
  }

  #start(): Worker {
    const worker = new Worker(bootstrap(), { eval: true });
    worker.unref();
    worker.on('message', (answer: PrepareAnswer) => this.#answer(answer));
    const lost = (error: unknown) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#lost++;
      if (error !== undefined) this.options.onError(error);
      this.#inlinePending();
    };
    worker.on('error', lost);
    worker.on('exit', (code) =>
      lost(this.#closed ? undefined : new Error(`prepare worker exited (${code})`)),
    );
    this.#worker = worker;
    return worker;
  }

  #answer(answer: PrepareAnswer): void {
    const waiting = this.#pending.get(answer.id);
    if (!waiting) return;
    this.#pending.delete(answer.id);
    if ('alerts' in answer) waiting.resolve(answer.alerts);
    else if ('refused' in answer) waiting.reject(rebuild(answer.refused));
    else waiting.reject(new Error(answer.failed));
  }

  /** The worker is gone: what it had in hand is prepared here. */
  #inlinePending(): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { request, resolve, reject } of pending) {
      try {
        resolve(prepareDelivery(request.kind, request.body, request.limits, request.nowMs));
      } catch (error) {
        reject(error);
      }
    }
  }
}

function rebuild(refused: { code: string; message: string; details: Record<string, unknown> | undefined }) {
  if (refused.code === ErrorCode.Validation) {
    const issues = (refused.details?.issues ?? []) as ConstructorParameters<typeof ValidationError>[1];
    return new ValidationError(refused.message, issues);
  }
  return new CodedError(refused.code as ErrorCode, refused.message, refused.details);
}

/**
 * The worker's entry: prepare-worker.js beside this module. Run from the TypeScript sources (tsx), the
 * worker registers tsx first: loaders given on the command line do not reach worker threads.
 */
function bootstrap(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './prepare-worker.ts' : './prepare-worker.js', import.meta.url).href;
  if (!fromSource) return `import(${JSON.stringify(entry)});`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
}
