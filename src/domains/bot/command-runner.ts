import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { asCodedError, isCodedError } from '../../core/errors.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Command, CommandContext, CommandReply, CommandResult } from './command.js';
import type { Answer, BotReply, Run } from './pipeline.js';

export interface CommandRunnerDeps {
  clock: Clock;
  jobs: JobRunner;
  /** For commands without a timeout of their own. */
  defaultTimeoutMs: number;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

/** Instant commands must answer quickly; this is their ceiling. */
const INSTANT_TIMEOUT_MS = 30_000;

/**
 * The last stage: an instant command answers at once; anything else becomes a job with a live card.
 * Either way the command runs as the person who asked.
 */
export class CommandRunner {
  constructor(private readonly deps: CommandRunnerDeps) {}

  run = (run: Run): Answer => {
    return run.parsed!.command.instant ? this.instant(run) : this.job(run);
  };

  private async job(run: Run): Promise<BotReply> {
    const { command, args, extra } = run.parsed!;
    const { roomId, threadId } = run.where;
    const { job, done } = await this.deps.jobs.start({
      command: command.name,
      line: run.line,
      args,
      locks: command.locksFor(args as never),
      timeoutMs: command.timeoutMs ?? this.deps.defaultTimeoutMs,
      actor: run.actor,
      where: roomId === undefined ? undefined : { roomId, ...(threadId ? { threadId } : {}) },
      approvedBy: run.decided?.decision === 'approved' ? run.decided.by : undefined,
      cardMessageId: run.decided?.cardMessageId,
      run: (ctx) =>
        command.run({
          args: args as never,
          extra,
          actor: run.actor,
          roomId: roomId ?? '',
          ...(threadId === undefined ? {} : { threadId }),
          jobId: ctx.jobId,
          line: run.line,
          signal: ctx.signal,
          reply: ctx.reply,
          progress: ctx.progress,
          details: ctx.details,
        }),
    });
    return {
      outcome: 'ok',
      command: command.name,
      text: `Job #${job.id} ${job.status === 'queued' ? 'queued' : 'started'}: \`${command.name}\`.`,
      jobId: job.id,
      posted: job.messageId !== null || roomId !== undefined,
      done,
      ...decisionOf(run),
    };
  }

  /**
   * Runs an instant command. Most answer synchronously: those are answered at once (no promise), need
   * no watchdog, and get no AbortController unless the handler reads `ctx.signal`. A handler that
   * returns a promise races a timer.
   */
  private instant(run: Run): Answer {
    const { command } = run.parsed!;
    const ctx = new InstantContext(run);
    try {
      const returned = command.run(ctx);
      if (!isPromise(returned)) return withDecision(toReply(command.name, returned, ctx.replies), run);
      return this.withinTimeout(command, returned, ctx)
        .then((result) => withDecision(toReply(command.name, result, ctx.replies), run))
        .catch((error: unknown) => this.failure(command, error, ctx));
    } catch (error) {
      return this.failure(command, error, ctx);
    }
  }

  private failure(command: Command, error: unknown, ctx: InstantContext): BotReply {
    if (ctx.aborted)
      return { outcome: 'failed', command: command.name, text: `\`${command.name}\` timed out.` };
    const coded = asCodedError(error);
    if (!isCodedError(error)) this.deps.onError(error, { command: command.name });
    const detail = isCodedError(error) ? coded.message : `internal error (${coded.code})`;
    const outcome = coded.code === 'E_PERMISSION_DENIED' ? 'denied' : 'failed';
    return {
      outcome,
      command: command.name,
      text: isCodedError(error) ? detail : `\`${command.name}\` failed: ${detail}`,
    };
  }

  private async withinTimeout(
    command: Command,
    pending: Promise<CommandResult>,
    ctx: InstantContext,
  ): Promise<CommandResult> {
    const timeoutMs = Math.min(command.timeoutMs ?? INSTANT_TIMEOUT_MS, INSTANT_TIMEOUT_MS);
    let cancel = () => {};
    const timedOut = new Promise<never>((_, reject) => {
      cancel = this.deps.clock.setTimer(timeoutMs, () => {
        const reason = new Error('timed out');
        ctx.abort(reason);
        reject(reason);
      });
    });
    try {
      return await Promise.race([pending, timedOut]);
    } finally {
      cancel();
    }
  }
}

/**
 * What an instant command's handler gets. A class, so the lazy `signal` is a getter on the prototype:
 * an object literal with a getter costs V8 a slow path on every command, and an AbortController with
 * its signal costs microseconds, so one is made only for a handler that reads `signal`. `reply` and
 * `progress` are own functions, so handlers may destructure them.
 */
class InstantContext implements CommandContext<never> {
  readonly args: never;
  readonly extra: Readonly<Record<string, string>>;
  readonly actor: Actor;
  readonly roomId: string;
  // Declared only: set when the run is in a thread, absent otherwise (as it always was).
  declare readonly threadId?: string;
  readonly jobId = '';
  readonly line: string;
  readonly #replies: string[] = [];
  #controller: AbortController | undefined;

  constructor(run: Run) {
    this.args = run.parsed!.args as never;
    this.extra = run.parsed!.extra;
    this.actor = run.actor;
    this.roomId = run.where.roomId ?? '';
    if (run.where.threadId !== undefined) (this as { threadId?: string }).threadId = run.where.threadId;
    this.line = run.line;
    this.reply = replyInto(this.#replies);
    this.progress = progressInto(this.#replies);
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** What the handler said with `reply` and `progress`, in order. */
  get replies(): readonly string[] {
    return this.#replies;
  }

  get aborted(): boolean {
    return this.#controller?.signal.aborted === true;
  }

  abort(reason: Error): void {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }

  readonly reply: (message: string | CommandReply) => Promise<void>;
  readonly progress: (text: string) => void;
}

// Made by functions rather than written as class fields: a field's arrow gets a `name` defined on it
// per instance by some compilers (esbuild's keepNames, which tsx uses), a property write per command.
function replyInto(replies: string[]): (message: string | CommandReply) => Promise<void> {
  return async (message) => {
    replies.push(typeof message === 'string' ? message : (message.text ?? ''));
  };
}

function progressInto(replies: string[]): (text: string) => void {
  return (text) => {
    replies.push(text);
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown })?.then === 'function';
}

function withDecision(reply: BotReply, run: Run): BotReply {
  if (run.decided) {
    reply.decision = run.decided.decision;
    reply.decidedBy = run.decided.by;
  } else {
    reply.decision = 'allowed';
  }
  return reply;
}

function decisionOf(run: Run): Pick<BotReply, 'decision' | 'decidedBy'> {
  return run.decided
    ? { decision: run.decided.decision, decidedBy: run.decided.by }
    : { decision: 'allowed' };
}

function toReply(name: string, result: CommandResult, replies: readonly string[]): BotReply {
  const base = result === undefined ? {} : typeof result === 'string' ? { text: result } : result;
  const ok = typeof result === 'object' && result !== null && 'ok' in result ? result.ok !== false : true;
  const text = joinReplies(replies, base.text) || (ok ? 'Done.' : 'Failed.');
  const reply: BotReply = { outcome: ok ? 'ok' : 'failed', command: name, text };
  if (base.card) reply.card = base.card;
  if (typeof result === 'object' && result?.job) {
    reply.jobId = result.job.id;
    reply.done = result.job.done;
  }
  return reply;
}

/** The handler's replies and its returned text, one per line, empty ones left out. */
function joinReplies(replies: readonly string[], text: string | undefined): string {
  let out = '';
  for (const part of replies) if (part !== '') out = out === '' ? part : `${out}\n${part}`;
  if (text !== undefined && text !== '') out = out === '' ? text : `${out}\n${text}`;
  return out;
}
