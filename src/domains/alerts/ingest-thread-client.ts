import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../../core/clock.js';
import { CodedError, ErrorCode, type FieldIssue, ValidationError } from '../../core/errors.js';
import type { Integration } from '../integrations/schema.js';
import { unpackFacts } from './facts-wire.js';
import type { AlertIngestion } from './ingest.js';
import type { IngestResult, WriteOutcome } from './ingest-classify.js';
import { type Prepared, prepareAlerts } from './ingest-prepare.js';
import type { FromIngestThread, IngestThreadData, ThreadError, ToIngestThread } from './ingest-thread.js';
import type { Ingestion, SenderAddress } from './ingestion-port.js';
import type { PayloadKind } from './prepare-delivery.js';
import type { IncomingAlert } from './schema.js';

export interface IngestThreadDeps {
  clock: Clock;
  /** Runs announce() after a commit (the main thread's AlertIngestion: scheduler, bus, inhibitor). */
  local: AlertIngestion;
  limits: { maxAlerts: number; maxLabels: number };
  /** A room name to its id, making the room when it does not exist (chat lives on this thread). */
  roomId: (name: string) => Promise<string>;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

/** The thread's own file beside this one: .ts when run from the sources (tsx), .js once built. */
const EXTENSION = extname(fileURLToPath(import.meta.url));
const THREAD_FILE = new URL(`./ingest-thread${EXTENSION}`, import.meta.url);
/**
 * How the thread starts: the built file itself; from the sources, a few lines that register tsx's
 * loader in the thread first (Node 20 does not apply an inherited `--import tsx` to a worker's entry).
 */
function threadEntry(): { entry: URL | string; eval: boolean } {
  if (EXTENSION !== '.ts') return { entry: THREAD_FILE, eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(THREAD_FILE.href)}); });`;
  return { entry: source, eval: true };
}

function rebuild(error: ThreadError): Error {
  if (error.name === 'ValidationError') {
    const issues = (error.details as { issues?: FieldIssue[] } | undefined)?.issues ?? [];
    return new ValidationError(error.message, issues);
  }
  if (error.code !== undefined && Object.values(ErrorCode).includes(error.code as ErrorCode))
    return new CodedError(error.code as ErrorCode, error.message, error.details as Record<string, unknown>);
  return Object.assign(new Error(error.message), { name: error.name });
}

/** Starts a thread and resolves once it has loaded what it knows (its `ready`). */
async function spawn(data: IngestThreadData): Promise<Worker> {
  const { entry, eval: isSource } = threadEntry();
  const worker = new Worker(entry, { eval: isSource, workerData: { ingestThread: data } });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: FromIngestThread) => {
      if (message.type === 'ready') done(resolve);
      else if (message.type === 'error') done(() => reject(rebuild(message.error)));
    };
    const onExit = (code: number) =>
      done(() => reject(new Error(`the alert ingest thread exited (${code})`)));
    const done = (then: () => void) => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      worker.off('error', reject);
      then();
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    worker.once('error', reject);
  });
  return worker;
}

/**
 * Ingestion through the ingest thread (ingest-thread.ts), SQLite only: this side stamps the time,
 * hands a hook's raw bytes over (a copy of the bytes; nothing is parsed here), waits for the commit
 * and then announces on this thread (timers, bus, inhibition). Deliveries reach the thread, and are
 * written, in the order they were handed over. If the thread dies, the deliveries it held fail with
 * 503 E_UNAVAILABLE (senders retry; a transaction is all or nothing) and a new thread takes over.
 */
export class IngestThread implements Ingestion {
  readonly #pending = new Map<number, { resolve: (o: WriteOutcome) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  /** Started by the first delivery: an idle server keeps neither the thread nor its memory. */
  #worker: Promise<Worker> | undefined;
  #closed: Promise<void> | undefined;

  constructor(
    private readonly data: IngestThreadData,
    private readonly deps: IngestThreadDeps,
  ) {}

  /** Whether the thread has been started (by a delivery). */
  get started(): boolean {
    return this.#worker !== undefined;
  }

  ingest(integration: Integration, alerts: readonly IncomingAlert[]): Promise<IngestResult> {
    return this.ingestPrepared(integration, prepareAlerts(alerts, this.deps.limits, this.deps.clock.nowMs()));
  }

  ingestPrepared(integration: Integration, prepared: Prepared[]): Promise<IngestResult> {
    return this.#run(integration, (id, nowMs) => ({ type: 'prepared', id, nowMs, integration, prepared }));
  }

  ingestBody(
    kind: PayloadKind,
    integration: Integration,
    body: Uint8Array,
    from: SenderAddress = {},
  ): Promise<IngestResult> {
    return this.#run(
      integration,
      (id, nowMs) => ({ type: 'body', id, nowMs, kind, integration, body }),
      from.address,
    );
  }

  markResolved(alerts: readonly { integrationId: string; fingerprint: string; startsAt: string }[]): void {
    // Not started: the thread reads the resolved rows from the database when it starts.
    const message: ToIngestThread = { type: 'resolved', alerts: [...alerts] };
    void this.#worker?.then((worker) => worker.postMessage(message)).catch(() => {});
  }

  /**
   * Ends the thread at once, as a crash would (the deliveries it holds fail; none is half-stored), and
   * starts a new one, which reloads what it knows from the database.
   */
  async restart(): Promise<void> {
    const worker = await this.#started();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await worker.terminate();
    await exited;
    await this.#worker;
  }

  /** Lets the deliveries handed over finish, then closes the thread's connection and ends it. */
  close(): Promise<void> {
    if (this.#worker === undefined) this.#closed ??= Promise.resolve();
    this.#closed ??= this.#worker!.then(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.ref();
          worker.once('exit', () => resolve());
          worker.postMessage({ type: 'close' } satisfies ToIngestThread);
        }),
    ).catch(() => {});
    return this.#closed;
  }

  async #run(
    integration: Integration,
    message: (id: number, nowMs: number) => ToIngestThread,
    senderAddress?: string,
  ): Promise<IngestResult> {
    if (this.#closed) throw new CodedError(ErrorCode.Unavailable, 'Alert ingest is shutting down');
    const worker = await this.#started().catch(() => {
      // The last start failed: try again now, for this delivery and the next ones.
      this.#worker = this.#respawn();
      return this.#worker;
    });
    const id = this.#nextId++;
    const outcome = await new Promise<WriteOutcome>((resolve, reject) => {
      // The thread keeps the process alive only while it holds deliveries (see #attach).
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, { resolve, reject });
      worker.postMessage(message(id, this.deps.clock.nowMs()));
    });
    outcome.senderAddress = senderAddress;
    await this.deps.local.announce(integration, outcome);
    return outcome.result;
  }

  #started(): Promise<Worker> {
    this.#worker ??= this.#respawn();
    return this.#worker;
  }

  #attach(worker: Worker): void {
    worker.on('message', (message: FromIngestThread) => this.#receive(worker, message));
    worker.on('error', (error) => this.deps.onError(error, { step: 'alerts.ingest-thread' }));
    worker.once('exit', (code) => {
      this.#fail();
      if (this.#closed) return;
      this.deps.onError(new Error(`the alert ingest thread exited (${code}); starting a new one`), {
        step: 'alerts.ingest-thread',
      });
      this.#worker = this.#respawn();
    });
    // Idle, the thread does not keep the process alive (an app left unclosed must not hang its
    // process); while it holds deliveries it does, so a caller awaiting one is not cut short. After
    // the listeners: attaching a 'message' listener refs the thread's port again.
    worker.unref();
  }

  #respawn(): Promise<Worker> {
    const started = spawn({ ...this.data, nowMs: this.deps.clock.nowMs() }).then((worker) => {
      this.#attach(worker);
      return worker;
    });
    started.catch((error: unknown) => this.deps.onError(error, { step: 'alerts.ingest-thread.start' }));
    return started;
  }

  #receive(worker: Worker, message: FromIngestThread): void {
    switch (message.type) {
      case 'done':
        this.#pending.get(message.id)?.resolve({
          ...message.outcome,
          fired: unpackFacts(message.outcome.fired),
          resolvedAlerts: unpackFacts(message.outcome.resolvedAlerts),
        });
        this.#pending.delete(message.id);
        if (this.#pending.size === 0) worker.unref();
        break;
      case 'failed':
        this.#pending.get(message.id)?.reject(rebuild(message.error));
        this.#pending.delete(message.id);
        if (this.#pending.size === 0) worker.unref();
        break;
      case 'room':
        this.deps.roomId(message.name).then(
          (roomId) => worker.postMessage({ type: 'room', id: message.id, roomId } satisfies ToIngestThread),
          (error: unknown) =>
            worker.postMessage({
              type: 'room',
              id: message.id,
              error: String(error),
            } satisfies ToIngestThread),
        );
        break;
      case 'error':
        this.deps.onError(rebuild(message.error), { step: `alerts.ingest-thread.${message.step}` });
        break;
      default:
        break;
    }
  }

  /** The thread ended: every delivery waiting on it fails (the sender retries; nothing half-stored). */
  #fail(): void {
    for (const { reject } of this.#pending.values())
      reject(new CodedError(ErrorCode.Unavailable, 'Alert ingest was interrupted; retry'));
    this.#pending.clear();
  }
}
