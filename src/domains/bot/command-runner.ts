import type { Clock } from '../../core/clock.js';
import { asCodedError, isCodedError } from '../../core/errors.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Command, CommandContext, CommandResult } from './command.js';
import type { BotReply, Run } from './pipeline.js';

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

  run = (run: Run): Promise<BotReply> => {
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
   * Runs an instant command. Most answer synchronously: those need no watchdog, and no AbortController
   * is made unless the handler reads `ctx.signal`. A handler that returns a promise races a timer.
   */
  private async instant(run: Run): Promise<BotReply> {
    const { command, args, extra } = run.parsed!;
    let controller: AbortController | undefined;
    const signalOf = () => {
      controller ??= new AbortController();
      return controller.signal;
    };
    const replies: string[] = [];
    const ctx: CommandContext<never> = {
      args: args as never,
      extra,
      actor: run.actor,
      roomId: run.where.roomId ?? '',
      ...(run.where.threadId === undefined ? {} : { threadId: run.where.threadId }),
      jobId: '',
      line: run.line,
      get signal() {
        return signalOf();
      },
      reply: async (message) => {
        replies.push(typeof message === 'string' ? message : (message.text ?? ''));
      },
      progress: (text) => replies.push(text),
    };
    try {
      const returned = command.run(ctx);
      const abort = (reason: Error) => {
        controller ??= new AbortController();
        controller.abort(reason);
      };
      const result = isPromise(returned) ? await this.withinTimeout(command, returned, abort) : returned;
      return { ...toReply(command.name, result, replies), ...decisionOf(run) };
    } catch (error) {
      if (controller?.signal.aborted) {
        return { outcome: 'failed', command: command.name, text: `\`${command.name}\` timed out.` };
      }
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
  }

  private async withinTimeout(
    command: Command,
    pending: Promise<CommandResult>,
    abort: (reason: Error) => void,
  ): Promise<CommandResult> {
    const timeoutMs = Math.min(command.timeoutMs ?? INSTANT_TIMEOUT_MS, INSTANT_TIMEOUT_MS);
    let cancel = () => {};
    const timedOut = new Promise<never>((_, reject) => {
      cancel = this.deps.clock.setTimer(timeoutMs, () => {
        const reason = new Error('timed out');
        abort(reason);
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

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown })?.then === 'function';
}

function decisionOf(run: Run): Pick<BotReply, 'decision' | 'decidedBy'> {
  return run.decided
    ? { decision: run.decided.decision, decidedBy: run.decided.by }
    : { decision: 'allowed' };
}

function toReply(name: string, result: CommandResult, replies: string[]): BotReply {
  const base = result === undefined ? {} : typeof result === 'string' ? { text: result } : result;
  const ok = typeof result === 'object' && result !== null && 'ok' in result ? result.ok !== false : true;
  const text = [...replies, base.text ?? ''].filter((t) => t !== '').join('\n') || (ok ? 'Done.' : 'Failed.');
  const reply: BotReply = { outcome: ok ? 'ok' : 'failed', command: name, text };
  if (base.card) reply.card = base.card;
  if (typeof result === 'object' && result?.job) {
    reply.jobId = result.job.id;
    reply.done = result.job.done;
  }
  return reply;
}
