import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { asCodedError, isCodedError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { Card } from '../chat/schema.js';
import { jobCard } from './card.js';
import { CardThrottle } from './card-throttle.js';
import {
  CARD_TAIL_CHARS,
  CARD_TAIL_LINES,
  describeStatus,
  type JobResult,
  resultOf,
  type StopReason,
  stopOutcome,
} from './job-outcome.js';
import { type ChunkRedactor, DEFAULT_OUTPUT_LIMITS, JobOutput, type JobOutputLimits } from './output.js';
import { recoverInterruptedJobs, trackSpawns } from './processes.js';
import type { JobView, JobWithOutput } from './schema.js';

export type { JobResult } from './job-outcome.js';

import { JobSlots } from './slots.js';
import { type JobRow, type JobStore, jobView, jobWithOutput } from './store.js';
import type { JobStatus } from './table.js';
import './events.js';

/** Where a job's card and messages go: the chat domain, posting as the bot. */
export interface JobCards {
  post(where: JobWhere, card: Card): Promise<string>;
  update(messageId: string, card: Card): Promise<void>;
  say(where: JobWhere, message: { text?: string; card?: Card }): Promise<void>;
}

export interface JobWhere {
  roomId: string;
  threadId?: string;
}

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  progress(text: string): void;
  reply(message: string | { text?: string; card?: Card }): Promise<void>;
  /** Fields shown on the card above the output (replacing earlier ones); the card updates soon after. */
  details(fields: CardField[]): void;
}

type CardField = NonNullable<Card['fields']>[number];

export interface JobSpec {
  command: string;
  line: string;
  args: Readonly<Record<string, unknown>>;
  locks: readonly string[];
  timeoutMs: number;
  actor: Actor;
  where?: JobWhere | undefined;
  approvedBy?: string | undefined;
  /** Turn this existing message (a proposal card) into the job's card instead of posting a new one. */
  cardMessageId?: string | undefined;
  run(ctx: JobContext): Promise<JobResult> | JobResult;
}

export interface JobRunnerDeps {
  store: JobStore;
  clock: Clock;
  bus: EventBus;
  cards: JobCards;
  /** A fresh chunk redactor per job (secrets split across chunks are still cut). */
  streamRedactor: () => ChunkRedactor;
  redact: (text: string) => string;
  concurrency: number;
  /** At most one card update per interval while output streams. */
  cardIntervalMs: number;
  outputLimits?: JobOutputLimits;
  /** At a restart, between SIGTERM and SIGKILL for a process group a dead server left running (5 s). */
  orphanGraceMs?: number;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

interface LiveJob {
  row: JobRow;
  spec: JobSpec;
  output: JobOutput;
  controller: AbortController;
  finished: boolean;
  card: CardThrottle;
  /** Fields the job asked to show on its card (ctx.details). */
  details: CardField[];
  done: Promise<JobWithOutput>;
  resolve: (job: JobWithOutput) => void;
}

/** How long a stopped job's locks wait for its body to return. */
const STOP_GRACE_MS = 10_000;
const noop = () => {};

/**
 * Runs jobs: records each one, shows it as ONE card that is updated in place (throttled), enforces the
 * concurrency limit, named locks and timeouts, and lets people cancel them. A job that was running when
 * the process died is marked `interrupted` at the next start.
 */
export class JobRunner {
  private readonly live = new Map<number, LiveJob>();
  private readonly slots: JobSlots;

  constructor(private readonly deps: JobRunnerDeps) {
    this.slots = new JobSlots(deps.concurrency);
  }

  /** Records the job, shows its card, and starts it when a slot and its locks are free. */
  async start(spec: JobSpec): Promise<{ job: JobView; done: Promise<JobWithOutput> }> {
    const now = this.deps.clock.now().toISOString();
    const locks = [...new Set(spec.locks)];
    const row = await this.deps.store.insert({
      command: spec.command,
      line: this.deps.redact(spec.line),
      args: this.deps.redact(JSON.stringify(spec.args)),
      requesterId: spec.actor.userId,
      requester: spec.actor.username,
      channel: spec.actor.channel,
      roomId: spec.where?.roomId ?? null,
      threadId: spec.where?.threadId ?? null,
      messageId: spec.cardMessageId ?? null,
      status: 'queued',
      exitCode: null,
      summary: null,
      output: '',
      outputBytes: 0,
      locks: JSON.stringify(locks),
      approvedBy: spec.approvedBy ?? null,
      cancelledBy: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    });
    let resolve!: (job: JobWithOutput) => void;
    const done = new Promise<JobWithOutput>((r) => {
      resolve = r;
    });
    const job: LiveJob = {
      row,
      spec,
      output: new JobOutput(this.deps.streamRedactor(), this.deps.outputLimits ?? DEFAULT_OUTPUT_LIMITS),
      controller: new AbortController(),
      finished: false,
      card: new CardThrottle(
        this.deps.clock,
        this.deps.cardIntervalMs,
        () => this.showCard(job),
        (error) => this.deps.onError(error, { jobId: row.id }),
      ),
      details: [],
      done,
      resolve,
    };
    this.live.set(row.id, job);
    await this.showCard(job);
    this.deps.bus.publish('job.queued', { job: jobView(job.row) });
    this.slots.enqueue(row.id, locks, () => void this.execute(job));
    return { job: jobView(job.row), done };
  }

  /** Stops a queued or running job; `by` is who asked (the caller checks they may). */
  async cancel(id: number, by: Actor): Promise<JobWithOutput> {
    const job = this.live.get(id);
    if (!job) {
      const row = await this.deps.store.get(id);
      if (!row) throw new NotFoundError('Job', String(id));
      throw new ValidationError(`Job #${id} is not running (it ${describeStatus(row.status)})`);
    }
    job.row.cancelledBy = by.username;
    if (this.slots.withdraw(id)) {
      await this.finish(job, 'cancelled', { summary: `Cancelled by @${by.username} before it started.` });
    } else {
      job.controller.abort({ kind: 'cancel', by: by.username } satisfies StopReason);
    }
    return await job.done;
  }

  /** A job in memory (running or queued here), or from the store. */
  async get(id: number): Promise<JobWithOutput | undefined> {
    const job = this.live.get(id);
    if (job) return { ...jobWithOutput(job.row), output: job.output.text() };
    const row = await this.deps.store.get(id);
    return row ? jobWithOutput(row) : undefined;
  }

  /**
   * Jobs left queued or running by a process that died: what they left running is stopped (only
   * processes that are provably theirs), then they are marked interrupted and their cards say so.
   */
  async recoverInterrupted(): Promise<number> {
    return await recoverInterruptedJobs(this.deps, (id) => this.live.has(id));
  }

  /** Resolves when every job started so far has finished (tests). */
  async drain(): Promise<void> {
    while (this.live.size > 0) await Promise.allSettled([...this.live.values()].map((j) => j.done));
  }

  /** Shutdown: running jobs are stopped and recorded as interrupted. */
  async stop(): Promise<void> {
    for (const job of this.live.values()) {
      if (this.slots.withdraw(job.row.id)) {
        await this.finish(job, 'interrupted', { summary: 'The server shut down before this job started.' });
      } else job.controller.abort({ kind: 'shutdown' } satisfies StopReason);
    }
    await this.drain();
  }

  get running(): number {
    return this.slots.active;
  }

  private async execute(job: LiveJob): Promise<void> {
    const startedAt = this.deps.clock.now().toISOString();
    job.row.status = 'running';
    job.row.startedAt = startedAt;
    // The timeout counts from the start, armed before anything awaits: armed after the stored
    // 'running' (a round trip on PostgreSQL), someone who saw the job running could find its clock
    // further on than the timer's start, and a test advancing a FakeClock then waited forever.
    const { controller } = job;
    const cancelTimeout = this.deps.clock.setTimer(job.spec.timeoutMs, () =>
      controller.abort({ kind: 'timeout' } satisfies StopReason),
    );
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    aborted.catch(() => {});
    try {
      await this.deps.store.update(job.row.id, { status: 'running', startedAt });
    } catch (error) {
      this.deps.onError(error, { jobId: job.row.id });
    }
    this.deps.bus.publish('job.started', { job: jobView(job.row) });
    this.queueCard(job, true);
    const ctx: JobContext = {
      jobId: String(job.row.id),
      signal: controller.signal,
      progress: (text) => {
        if (job.finished) return;
        job.output.push(text);
        this.queueCard(job, false);
      },
      details: (fields) => {
        if (job.finished) return;
        job.details = fields.map((f) => ({ ...f, value: this.deps.redact(f.value) }));
        this.queueCard(job, false);
      },
      reply: async (message) => {
        if (job.finished) return;
        const m = typeof message === 'string' ? { text: message } : message;
        const where = job.spec.where;
        if (!where) {
          if (m.text) job.output.push(`${m.text}\n`);
          return;
        }
        const redacted = {
          ...(m.text === undefined ? {} : { text: this.deps.redact(m.text) }),
          ...(m.card === undefined
            ? {}
            : { card: JSON.parse(this.deps.redact(JSON.stringify(m.card))) as Card }),
        };
        await this.deps.cards.say(where, redacted);
      },
    };
    const running = trackSpawns(this.deps, job.row.id, () => Promise.resolve().then(() => job.spec.run(ctx)));
    try {
      const result = await Promise.race([running, aborted]);
      const outcome = resultOf(result);
      await this.finish(job, outcome.ok ? 'succeeded' : 'failed', {
        summary: outcome.text,
        exitCode: outcome.exitCode ?? (outcome.ok ? 0 : 1),
        ...(outcome.card ? { card: outcome.card } : {}),
      });
    } catch (error) {
      if (controller.signal.aborted) {
        const reason = controller.signal.reason as StopReason;
        const [status, end] = stopOutcome(reason, job.spec.timeoutMs);
        await this.finish(job, status, { ...end, holdLocksUntil: running });
      } else {
        if (!isCodedError(error)) this.deps.onError(error, { jobId: job.row.id, command: job.spec.command });
        const coded = asCodedError(error);
        const detail = isCodedError(error) ? coded.message : `internal error (${coded.code})`;
        await this.finish(job, 'failed', {
          summary: `\`${job.spec.command}\` failed: ${detail}`,
          exitCode: 1,
        });
      }
    } finally {
      cancelTimeout();
    }
  }

  private async finish(
    job: LiveJob,
    status: JobStatus,
    end: {
      summary?: string | undefined;
      exitCode?: number;
      card?: Card;
      /** A stopped body still winding down (a script being killed): its locks wait for it. */
      holdLocksUntil?: Promise<unknown>;
    },
  ): Promise<void> {
    if (job.finished) return;
    job.finished = true;
    const wasRunning = job.row.status === 'running';
    job.card.stop();
    job.output.end();
    const finishedAt = this.deps.clock.now().toISOString();
    Object.assign(job.row, {
      status,
      finishedAt,
      exitCode: end.exitCode ?? null,
      summary: end.summary === undefined || end.summary === '' ? null : this.deps.redact(end.summary),
      output: job.output.text(),
      outputBytes: job.output.totalBytes,
    });
    try {
      const { id: _id, ...changes } = job.row;
      await this.deps.store.update(job.row.id, changes);
    } catch (error) {
      this.deps.onError(error, { jobId: job.row.id });
    }
    this.queueCard(job, true);
    await job.card.settled();
    if (end.card && job.spec.where) {
      await this.deps.cards
        .say(job.spec.where, { card: JSON.parse(this.deps.redact(JSON.stringify(end.card))) as Card })
        .catch((error: unknown) => this.deps.onError(error, { jobId: job.row.id }));
    }
    this.live.delete(job.row.id);
    if (wasRunning) {
      const locks = JSON.parse(job.row.locks) as string[];
      if (end.holdLocksUntil) void this.releaseAfter(locks, end.holdLocksUntil);
      else this.slots.release(locks);
    }
    this.deps.bus.publish('job.finished', { job: jobView(job.row) });
    job.resolve({ ...jobWithOutput(job.row) });
  }

  /**
   * A cancelled or timed-out job is over for people at once, but the next deploy to the same place must
   * not start while the old script is still being killed: its locks are freed when its body returns,
   * or after a grace period if it never does (a handler that ignores its signal cannot hold a lock forever).
   */
  private async releaseAfter(locks: string[], body: Promise<unknown>): Promise<void> {
    let cancelGrace = () => {};
    const grace = new Promise<void>((resolve) => {
      cancelGrace = this.deps.clock.setTimer(STOP_GRACE_MS, resolve);
    });
    await Promise.race([body.then(noop, noop), grace]);
    cancelGrace();
    this.slots.release(locks);
  }

  /** Posts the card the first time, then edits it: at once when `now`, else at most once per interval. */
  private queueCard(job: LiveJob, now: boolean): void {
    if (job.spec.where || job.row.messageId) job.card.request(now);
  }

  private async showCard(job: LiveJob): Promise<void> {
    const card = jobCard(
      jobView(job.row),
      job.output.lastLines(CARD_TAIL_LINES, CARD_TAIL_CHARS),
      this.deps.clock.nowMs(),
      job.details,
    );
    if (job.row.messageId) {
      if (!job.finished && job.output.totalBytes > 0) {
        // The live log survives a crash: `job N` after a restart still shows what the card showed.
        await this.deps.store.update(job.row.id, {
          output: job.output.text(),
          outputBytes: job.output.totalBytes,
        });
      }
      await this.deps.cards.update(job.row.messageId, card);
      return;
    }
    if (!job.spec.where) return;
    const messageId = await this.deps.cards.post(job.spec.where, card);
    job.row.messageId = messageId;
    await this.deps.store.update(job.row.id, { messageId });
  }
}
