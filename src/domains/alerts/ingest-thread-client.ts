import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Clock } from '../../core/clock.js';
import { CodedError, ErrorCode, type FieldIssue, ValidationError } from '../../core/errors.js';
import type { Integration } from '../integrations/schema.js';
import { unpackFacts } from './facts-wire.js';
import type { AlertIngestion } from './ingest.js';
import type { IngestResult, WriteOutcome } from './ingest-classify.js';
import type { FromThread, ParseThreadData, ThreadError, ToIngestThread } from './ingest-messages.js';
import { type Prepared, prepareAlerts } from './ingest-prepare.js';
import type { IngestThreadData } from './ingest-thread.js';
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

/** The threads' files beside this one: .ts when run from the sources (tsx), .js once built. */
const EXTENSION = extname(fileURLToPath(import.meta.url));
/**
 * How a thread starts: the built file itself; from the sources, a few lines that register tsx's
 * loader in the thread first (Node 20 does not apply an inherited `--import tsx` to a worker's entry).
 */
function threadEntry(name: string): { entry: URL | string; eval: boolean } {
  const file = new URL(`./${name}${EXTENSION}`, import.meta.url);
  if (EXTENSION !== '.ts') return { entry: file, eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); });`;
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

/**
 * Bytes whose whole memory can be moved to a thread instead of copied: the body itself when it is all
 * of its ArrayBuffer (Fastify's buffer of a body over 4 KiB), else a copy that is. Moving a 40 KB
 * body cost the main thread a few microseconds; copying it into the message, 20-120.
 */
function ownBytes(body: Uint8Array): Uint8Array {
  const whole =
    body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
  return whole ? body : new Uint8Array(body);
}

/** The two threads of ingest: the ingest thread hands the parse thread what it has no time to parse. */
interface Threads {
  parse: Worker;
  ingest: Worker;
}

/** Starts a thread and resolves once it is ready (the ingest thread: once it loaded what it knows). */
function start(name: string, workerData: unknown, transferList: MessagePort[]): Promise<Worker> {
  const { entry, eval: isSource } = threadEntry(name);
  const worker = new Worker(entry, { eval: isSource, workerData, transferList });
  return new Promise<Worker>((resolve, reject) => {
    const onMessage = (message: FromThread) => {
      if (message.type === 'ready') done(() => resolve(worker));
      else if (message.type === 'error') done(() => reject(rebuild(message.error)));
    };
    const onExit = (code: number) => done(() => reject(new Error(`the alert ${name} exited (${code})`)));
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
}

/** Starts both threads, joined by a channel of their own; if either fails to start, neither runs. */
async function spawn(ingestData: IngestThreadData, parseData: ParseThreadData): Promise<Threads> {
  const channel = new MessageChannel();
  const [parse, ingest] = await Promise.allSettled([
    start('parse-thread', { parseThread: parseData, ingestPort: channel.port1 }, [channel.port1]),
    start('ingest-thread', { ingestThread: ingestData, parsePort: channel.port2 }, [channel.port2]),
  ] as const);
  if (parse.status === 'fulfilled' && ingest.status === 'fulfilled')
    return { parse: parse.value, ingest: ingest.value };
  if (parse.status === 'fulfilled') await parse.value.terminate();
  if (ingest.status === 'fulfilled') await ingest.value.terminate();
  throw (parse.status === 'rejected' ? parse.reason : (ingest as PromiseRejectedResult).reason) as Error;
}

/**
 * Ingestion through the ingest thread (ingest-thread.ts) and its parse thread (parse-thread.ts), SQLite
 * only: this side stamps the time and hands a hook's raw bytes over (moved, not copied; nothing is
 * parsed here); the ingest thread parses them itself when idle, or has the parse thread parse them
 * while it writes others, then writes and answers; this side then announces (timers, bus,
 * inhibition). Deliveries are written in the order they were handed over. If either thread dies,
 * both are ended, the deliveries they held fail with 503 E_UNAVAILABLE (senders retry; a transaction
 * is all or nothing) and a new pair takes over.
 */
export class IngestThread implements Ingestion {
  readonly #pending = new Map<number, { resolve: (o: WriteOutcome) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  /** Started by the first delivery: an idle server keeps neither thread nor their memory. */
  #threads: Promise<Threads> | undefined;
  #closed: Promise<void> | undefined;

  constructor(
    private readonly data: IngestThreadData,
    private readonly deps: IngestThreadDeps,
  ) {}

  /** Whether the threads have been started (by a delivery). */
  get started(): boolean {
    return this.#threads !== undefined;
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
    const owned = ownBytes(body);
    return this.#run(
      integration,
      (id, nowMs) => ({ type: 'body', id, nowMs, kind, integration, body: owned }),
      from.address,
      [owned.buffer as ArrayBuffer],
    );
  }

  markResolved(alerts: readonly { integrationId: string; fingerprint: string; startsAt: string }[]): void {
    // Not started: the ingest thread reads the resolved rows from the database when it starts.
    const message: ToIngestThread = { type: 'resolved', alerts: [...alerts] };
    void this.#threads?.then((t) => t.ingest.postMessage(message)).catch(() => {});
  }

  /**
   * Ends one thread at once, as a crash would; the other ends with it (the deliveries they hold fail;
   * none is half-stored) and a new pair starts, whose ingest thread reloads what it knows.
   */
  async restart(which: keyof Threads = 'ingest'): Promise<void> {
    const threads = await this.#started();
    const exited = Promise.all(
      [threads.parse, threads.ingest].map((w) => new Promise((r) => w.once('exit', r))),
    );
    await threads[which].terminate();
    await exited;
    await this.#threads;
  }

  /** Lets the deliveries handed over finish, then closes the ingest thread's connection; both end. */
  close(): Promise<void> {
    if (this.#threads === undefined) this.#closed ??= Promise.resolve();
    this.#closed ??= this.#threads!.then(async (threads) => {
      const exits = [threads.parse, threads.ingest].map((worker) => {
        worker.ref();
        return new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      });
      // The close takes its place after the deliveries; the ingest thread then ends the parse thread.
      threads.ingest.postMessage({ type: 'close' } satisfies ToIngestThread);
      await Promise.all(exits);
    }).catch(() => {});
    return this.#closed;
  }

  async #run(
    integration: Integration,
    message: (id: number, nowMs: number) => ToIngestThread,
    senderAddress?: string,
    transfer: ArrayBuffer[] = [],
  ): Promise<IngestResult> {
    if (this.#closed) throw new CodedError(ErrorCode.Unavailable, 'Alert ingest is shutting down');
    const threads = await this.#started().catch(() => {
      // The last start failed: try again now, for this delivery and the next ones.
      this.#threads = this.#respawn();
      return this.#threads;
    });
    const id = this.#nextId++;
    const outcome = await new Promise<WriteOutcome>((resolve, reject) => {
      // The threads keep the process alive only while they hold deliveries (see #attach).
      if (this.#pending.size === 0) this.#ref(threads, true);
      this.#pending.set(id, { resolve, reject });
      threads.ingest.postMessage(message(id, this.deps.clock.nowMs()), transfer);
    });
    outcome.senderAddress = senderAddress;
    await this.deps.local.announce(integration, outcome);
    return outcome.result;
  }

  #started(): Promise<Threads> {
    this.#threads ??= this.#respawn();
    return this.#threads;
  }

  #ref(threads: Threads, on: boolean): void {
    for (const worker of [threads.parse, threads.ingest]) {
      if (on) worker.ref();
      else worker.unref();
    }
  }

  #attach(threads: Threads): void {
    for (const worker of [threads.parse, threads.ingest]) {
      worker.on('message', (message: FromThread) => this.#receive(threads, message));
      worker.on('error', (error) => this.deps.onError(error, { step: 'alerts.ingest-thread' }));
    }
    // The parse thread alone ending: the ingest thread is ended too (the deliveries it hands over
    // would never come back), but it may still commit some meanwhile, and those are answered.
    threads.parse.once('exit', () => void threads.ingest.terminate());
    // The ingest thread ending ends the pair. Its answers all arrived before this event, so every
    // delivery still waiting was not written: each fails whole. Only now does a new pair start: two
    // ingest threads at once would be two writers, each with its own index of known alerts.
    threads.ingest.once('exit', (code) => {
      this.#fail();
      void threads.parse.terminate();
      if (this.#closed) return;
      this.deps.onError(new Error(`the alert ingest thread exited (${code}); starting a new pair`), {
        step: 'alerts.ingest-thread',
      });
      this.#threads = this.#respawn();
    });
    // Idle, the threads do not keep the process alive (an app left unclosed must not hang its
    // process); while they hold deliveries they do, so a caller awaiting one is not cut short. After
    // the listeners: attaching a 'message' listener refs the thread's port again.
    this.#ref(threads, false);
  }

  #respawn(): Promise<Threads> {
    const parseData: ParseThreadData = { route: this.data.route, limits: this.data.limits };
    const started = spawn({ ...this.data, nowMs: this.deps.clock.nowMs() }, parseData).then((threads) => {
      this.#attach(threads);
      return threads;
    });
    started.catch((error: unknown) => this.deps.onError(error, { step: 'alerts.ingest-thread.start' }));
    return started;
  }

  #settled(threads: Threads, id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#ref(threads, false);
  }

  #receive(threads: Threads, message: FromThread): void {
    switch (message.type) {
      case 'done':
        this.#pending.get(message.id)?.resolve({
          ...message.outcome,
          fired: unpackFacts(message.outcome.fired),
          resolvedAlerts: unpackFacts(message.outcome.resolvedAlerts),
        });
        this.#settled(threads, message.id);
        break;
      case 'failed':
        this.#pending.get(message.id)?.reject(rebuild(message.error));
        this.#settled(threads, message.id);
        break;
      case 'room':
        this.deps.roomId(message.name).then(
          (roomId) =>
            threads.ingest.postMessage({ type: 'room', id: message.id, roomId } satisfies ToIngestThread),
          (error: unknown) =>
            threads.ingest.postMessage({
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

  /** A thread ended: every delivery waiting on it fails (the sender retries; nothing half-stored). */
  #fail(): void {
    for (const { reject } of this.#pending.values())
      reject(new CodedError(ErrorCode.Unavailable, 'Alert ingest was interrupted; retry'));
    this.#pending.clear();
  }
}
