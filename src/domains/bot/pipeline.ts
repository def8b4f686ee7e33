/**
 * The middleware chain every command line goes through, whoever sends it (chat, CLI, API, a button):
 * rate limit → parse → audit → policy → rooms → confirm/approve → run, with redaction around it all.
 * Each stage is a small function that answers itself or passes the run on with `next()`.
 */
import { type Actor, scopesAllowWrite } from '../../core/actor.js';
import type { Card } from '../chat/schema.js';
import type { JobWithOutput } from '../jobs/schema.js';
import type { Policy } from '../policy/policy.js';
import type { Command } from './command.js';
import { renderParseFailure } from './help.js';
import type { ParsedCommand, ParseOutcome } from './parser.js';

export type BotOutcome = 'ok' | 'usage' | 'denied' | 'failed' | 'pending';
export type Decision = 'allowed' | 'denied' | 'proposed' | 'confirmed' | 'approved';

export const EXIT_CODE_OF: Record<BotOutcome, number> = { ok: 0, pending: 0, failed: 1, usage: 2, denied: 3 };

/** The bot's answer to one command line: what to say and how it went (the CLI maps it to an exit code). */
export interface BotReply {
  outcome: BotOutcome;
  text: string;
  card?: Card;
  command?: string;
  decision?: Decision;
  /** Who confirmed or approved the run. */
  decidedBy?: string;
  jobId?: number;
  /** The reply is already in the room (the job's live card): the chat path posts nothing more. */
  posted?: boolean;
  /** The proposal this reply asks about: the chat path records which message shows it. */
  proposalNonce?: string;
  /** Resolves when the job ends, for callers that wait for it (CLI, API). */
  done?: Promise<JobWithOutput>;
}

export type Where = { roomId?: string; roomName?: string; threadId?: string };

/** A proposal that was confirmed or approved, being run now. */
export interface DecidedRun {
  decision: 'confirmed' | 'approved';
  by: string;
  nonce: string;
  cardMessageId?: string | undefined;
}

export interface Run {
  actor: Actor;
  line: string;
  where: Where;
  decided?: DecidedRun;
  parsed?: ParsedCommand;
  permission?: string;
}

/**
 * A stage's answer: the reply itself when it is known at once, a promise when it needs I/O. Most
 * lines never wait for anything (instant commands, usage replies, refusals), so they go through the
 * whole chain without a promise or a microtask per stage.
 */
export type Answer = BotReply | Promise<BotReply>;
export type Next = () => Answer;
export type Stage = (run: Run, next: Next) => Answer;

/** Builds the chain once; each call walks it with no per-stage set-up. */
export function compose(stages: readonly Stage[], last: (run: Run) => Answer) {
  return stages.reduceRight<(run: Run) => Answer>(
    (next, stage) => (run) => stage(run, () => next(run)),
    last,
  );
}

/** Whether an answer is still to come (a promise) rather than the reply itself. */
export function isPending(answer: Answer): answer is Promise<BotReply> {
  return typeof (answer as { then?: unknown }).then === 'function';
}

export function rateLimitStage(take: (userId: string) => number): Stage {
  return (run, next) => {
    if (run.decided) return next();
    const waitMs = take(run.actor.userId);
    if (waitMs === 0) return next();
    return {
      outcome: 'failed',
      text: `Slow down: you are sending commands faster than this server allows. Try again in ${Math.ceil(waitMs / 1000)}s.`,
    };
  };
}

export function parseStage(
  parse: (line: string, actor: Actor) => ParseOutcome,
  onUnknown: (
    line: string,
    actor: Actor,
    failure: Extract<ParseOutcome, { kind: 'unknown_command' }>,
  ) => { text: string; card?: Card },
): Stage {
  return (run, next) => {
    const parsed = parse(run.line, run.actor);
    if (parsed.kind === 'ok') {
      run.parsed = parsed;
      return next();
    }
    const text = renderParseFailure(parsed);
    if (parsed.kind !== 'unknown_command') return { outcome: 'usage', text };
    const hint = onUnknown(run.line, run.actor, parsed);
    const reply: BotReply = { outcome: 'usage', text: text + hint.text };
    if (hint.card) reply.card = hint.card;
    return reply;
  };
}

/** Every decision about a command that parsed is told to the audit trail, refusals included. */
export function auditStage(record: (run: Run, reply: BotReply) => void): Stage {
  const recorded = (run: Run, reply: BotReply) => {
    if (reply.command !== undefined) record(run, reply);
    return reply;
  };
  return (run, next) => {
    const answer = next();
    return isPending(answer) ? answer.then((reply) => recorded(run, reply)) : recorded(run, answer);
  };
}

export function policyStage(policy: Policy): Stage {
  return (run, next) => {
    const { command, args } = run.parsed!;
    const permission = command.permissionFor(args as never);
    run.permission = permission;
    // A read-only API token runs nothing: a run is a job, an audit record, a card (boundByScopes).
    if (!scopesAllowWrite(run.actor))
      return refusal(command, `Your API token has read scope only: it cannot run \`${command.name}\`.`);
    const allowed = policy.allows(run.actor, {
      permission,
      command: command.name,
      args,
      ...(run.where.roomName === undefined ? {} : { room: run.where.roomName }),
    });
    if (allowed) return next();
    const where = run.where.roomName ? ` in #${run.where.roomName}` : '';
    return refusal(command, `You need the \`${permission}\` permission to run \`${command.name}\`${where}.`);
  };
}

export const roomsStage: Stage = (run, next) => {
  const { command } = run.parsed!;
  if (!command.rooms) return next();
  if (run.where.roomName !== undefined && command.rooms.includes(run.where.roomName)) return next();
  const rooms = command.rooms.map((r) => `#${r}`).join(', ');
  return refusal(command, `\`${command.name}\` can only run in ${rooms}.`);
};

/**
 * The command's own `check` (a lock, a freeze window, a friendlier usage reply): after policy, rooms and
 * entities, before anything is proposed or started. It runs again when a decided proposal runs, since the
 * state it looks at may have changed while the proposal waited.
 */
export const checkStage: Stage = (run, next) => {
  const { command, args } = run.parsed!;
  // No check: straight on, without an extra await (the chain's timing stays what it was).
  if (command.check === undefined) return next();
  return (async () => {
    const answer = await command.check!({
      args: args as never,
      actor: run.actor,
      line: run.line,
      ...(run.where.roomName === undefined ? {} : { roomName: run.where.roomName }),
      decided: run.decided !== undefined,
    });
    if (answer === undefined) return next();
    // A usage reply names no command, so (like the parser's) it is not audited; a refusal is.
    const card = answer.card === undefined ? {} : { card: answer.card };
    if (answer.outcome === 'usage') return { outcome: 'usage', text: answer.text, ...card };
    return { ...refusal(command, answer.text), ...card };
  })();
};

/** A risky run becomes a proposal; it runs later, once confirmed or approved (see proposals/). */
export function riskStage(propose: (run: Run) => Promise<BotReply>): Stage {
  return (run, next) => {
    const { command, args } = run.parsed!;
    if (run.decided || command.riskFor(args as never) === 'none') return next();
    return propose(run);
  };
}

function refusal(command: Command, text: string): BotReply {
  return { outcome: 'denied', command: command.name, decision: 'denied', text };
}
