import type { Kysely } from 'kysely';
import type { Actor, TokenScope } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import type { ChatDomain } from '../chat/index.js';
import type { Card, MessageView } from '../chat/schema.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Policy } from '../policy/policy.js';
import type { BotMessages } from './bot-messages.js';
import type { Command } from './command.js';
import { CommandRunner } from './command-runner.js';
import { type EntityLookup, entityStage } from './entity-args.js';
import { suggestionCard, typoCard } from './natural-language-card.js';
import { parseCommandLine } from './parser.js';
import {
  type Answer,
  auditStage,
  type BotReply,
  checkStage,
  compose,
  EXIT_CODE_OF,
  isPending,
  parseStage,
  policyStage,
  type Run,
  rateLimitStage,
  riskStage,
  roomsStage,
  type Where,
} from './pipeline.js';
import { proposalCard } from './proposals/card.js';
import type { Proposal, ProposalService } from './proposals/service.js';
import type { CommandRateLimiter } from './rate-limit.js';
import type { CommandRegistry } from './registry.js';
import './table.js';

export type { BotOutcome, BotReply, Where } from './pipeline.js';
export { EXIT_CODE_OF } from './pipeline.js';

/** A reply as the API and the CLI carry it: with its exit code, absent parts as null. */
export function toRunResult(reply: BotReply) {
  return {
    outcome: reply.outcome,
    exitCode: EXIT_CODE_OF[reply.outcome],
    command: reply.command ?? null,
    text: reply.text,
    card: reply.card ?? null,
    jobId: reply.jobId ?? null,
  };
}

const MAX_REPLY_LENGTH = 39_000;

export interface DispatcherDeps {
  db: Kysely<DB>;
  clock: Clock;
  registry: CommandRegistry;
  chat: ChatDomain;
  messages: BotMessages;
  /** The bot's own identity, for the replies it posts. */
  bot: Actor;
  /** True when the message (in a room of this kind) is for the bot; returns the command line. */
  addressed: (text: string, direct: boolean) => string | undefined;
  policy: Policy;
  jobs: JobRunner;
  proposals: ProposalService;
  rateLimiter: CommandRateLimiter;
  /** Checks that `@user` and `#room` arguments name ones that exist. */
  entities: EntityLookup;
  defaultTimeoutMs: number;
  /**
   * Looks up a user as an actor (their roles now, not when they wrote), bounded by the scopes of the
   * API token they wrote with, if any (`IdentityService.actorFor`).
   */
  actorOf: (userId: string, scopes?: readonly TokenScope[]) => Promise<Actor | undefined>;
  onError: (error: unknown, context: Record<string, unknown>) => void;
  /** Removes secret values from anything the bot says (replies, cards, errors). */
  redact: (text: string) => string;
  /** Told of every decision about a command that parsed (runs, refusals, proposals): the audit trail. */
  onDecision?: (run: Run, reply: BotReply) => void;
}

/**
 * Turns messages addressed to the bot into command runs and posts exactly one reply per message.
 * The same `execute` serves the CLI, the HTTP API and card buttons, so every way in behaves alike.
 */
export class BotDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly chain: (run: Run) => Answer;

  constructor(private readonly deps: DispatcherDeps) {
    const runner = new CommandRunner({
      clock: deps.clock,
      jobs: deps.jobs,
      defaultTimeoutMs: deps.defaultTimeoutMs,
      onError: deps.onError,
    });
    this.chain = compose(
      [
        rateLimitStage((userId) => deps.rateLimiter.take(userId)),
        parseStage(
          (line, actor) =>
            parseCommandLine(line, deps.registry, {
              nowMs: deps.clock.nowMs(),
              visible: this.canSeeFor(actor),
            }),
          (line, actor, failure) => this.naturalHint(line, actor, failure.suggestions),
        ),
        auditStage((run, reply) => deps.onDecision?.(run, reply)),
        policyStage(deps.policy),
        roomsStage,
        entityStage(deps.entities),
        checkStage,
        riskStage((run) => this.propose(run)),
      ],
      runner.run,
    );
  }

  /** Listens for new messages; returns the unsubscribe function. */
  attach(bus: EventBus): () => void {
    return bus.subscribe('message.created', (event) => {
      const message = event.payload.data;
      if (message.userId === this.deps.bot.userId || message.deletedAt !== null) return;
      this.track(this.handle(message, event.payload.scopes), { messageId: message.id });
    });
  }

  /** Keeps background work countable so `drain()` can wait for it. */
  track(work: Promise<void>, context: Record<string, unknown>): void {
    const tracked = work.catch((error: unknown) => this.deps.onError(error, context));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Resolves once every message seen so far has been answered (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Whether `help` should list the command for this actor: some run of it could be allowed. */
  canSee(actor: Actor, command: Command): boolean {
    return this.deps.policy.mayUse(actor, { command: command.name, permission: command.permission });
  }

  /** canSee for one actor (made per line; returned, not assigned, so no compiler names it per call). */
  private canSeeFor(actor: Actor): (command: Command) => boolean {
    return (command) => this.canSee(actor, command);
  }

  /**
   * Runs a command line as the actor; the answer never contains a secret value. With `wait`, a job's
   * answer is its end (status, output); without, it is the job's start (chat shows the live card).
   */
  async execute(
    actor: Actor,
    line: string,
    where: Where = {},
    options: { wait?: boolean } = {},
  ): Promise<BotReply> {
    const answer = this.chain({ actor, line, where });
    // Most lines are answered without waiting for anything: no extra hop for them.
    const reply = isPending(answer) ? await answer : answer;
    const wait = options.wait ?? true;
    return wait && reply.done ? this.finish(reply, wait) : this.redacted(reply);
  }

  /**
   * Runs a proposal that was just confirmed or approved, as the person who asked for it. A confirmation
   * is the requester acting now, so the run gets the scopes of the token they confirm with (if any); an
   * approval, those of the token they asked with (an approver vouches for the run, not for more rights).
   */
  async runDecided(proposal: Proposal, decider: Actor): Promise<BotReply> {
    const scopes =
      decider.userId === proposal.requesterId
        ? decider.scopes
        : proposal.requesterScopes === null
          ? undefined
          : (JSON.parse(proposal.requesterScopes) as TokenScope[]);
    const requester = await this.deps.actorOf(proposal.requesterId, scopes);
    if (!requester) return { outcome: 'denied', text: `@${proposal.requester} can no longer run commands.` };
    const reply = await this.chain({
      actor: { ...requester, channel: proposal.channel as Actor['channel'] },
      line: proposal.line,
      where: {
        ...(proposal.roomId ? { roomId: proposal.roomId } : {}),
        ...(proposal.roomName ? { roomName: proposal.roomName } : {}),
        ...(proposal.threadId ? { threadId: proposal.threadId } : {}),
      },
      decided: {
        decision: proposal.kind === 'confirm' ? 'confirmed' : 'approved',
        by: decider.username,
        nonce: proposal.nonce,
        cardMessageId: proposal.messageId ?? undefined,
      },
    });
    if (reply.jobId !== undefined) await this.deps.proposals.attachJob(proposal.nonce, reply.jobId);
    return this.finish(reply, false);
  }

  private async finish(reply: BotReply, wait: boolean): Promise<BotReply> {
    let answer = reply;
    if (wait && reply.done) {
      const job = await reply.done;
      const status = job.status === 'timed_out' ? 'timed out' : job.status;
      const ending =
        job.status === 'succeeded'
          ? ''
          : `Job #${job.id} ${status}${job.exitCode === null ? '' : ` (exit code ${job.exitCode})`}.`;
      const lines = [job.output.trimEnd(), job.summary ?? '', ending];
      answer = {
        ...reply,
        outcome: job.status === 'succeeded' ? 'ok' : 'failed',
        text: lines.filter((l) => l !== '').join('\n'),
      };
    }
    return this.redacted(answer);
  }

  /** The reply with every secret value taken out of its text and card. */
  private redacted(answer: BotReply): BotReply {
    const text = this.deps.redact(answer.text);
    if (answer.card === undefined) return { ...answer, text };
    return { ...answer, text, card: JSON.parse(this.deps.redact(JSON.stringify(answer.card))) as Card };
  }

  private async propose(run: Run): Promise<BotReply> {
    const { command } = run.parsed!;
    const { roomId, roomName, threadId } = run.where;
    const kind = command.riskFor(run.parsed!.args as never) === 'approval' ? 'approval' : 'confirm';
    const proposal = await this.deps.proposals.propose({
      kind,
      command: command.name,
      line: run.line,
      permission: run.permission!,
      args: run.parsed!.args,
      actor: run.actor,
      roomId,
      roomName,
      threadId,
    });
    const card = proposalCard(proposal, this.deps.clock.nowMs());
    let posted = false;
    if (roomId !== undefined) {
      const messageId = await this.deps.messages.post({ roomId, ...(threadId ? { threadId } : {}) }, card);
      await this.deps.proposals.attachMessage(proposal.nonce, messageId);
      posted = true;
    }
    const text =
      kind === 'confirm'
        ? `\`${command.name}\` needs confirmation: run \`confirm ${proposal.nonce}\` before ${proposal.expiresAt}.`
        : `\`${command.name}\` needs approval by someone else with \`${proposal.permission}\`: \`approve ${proposal.nonce}\` or \`deny ${proposal.nonce} "reason"\`, before ${proposal.expiresAt}.`;
    return {
      outcome: 'pending',
      command: command.name,
      decision: 'proposed',
      text,
      card,
      posted,
      proposalNonce: proposal.nonce,
    };
  }

  /**
   * Suggestions for a line that names no command. A typo of a command word ("did you mean") is fixed
   * in place and offered as a button when the corrected line parses: one parse, not a scan of every
   * command. Anything else is read as free text against every command the asker may run.
   */
  private naturalHint(
    line: string,
    actor: Actor,
    didYouMean: readonly string[],
  ): { text: string; card?: Card } {
    const nowMs = this.deps.clock.nowMs();
    if (didYouMean.length > 0) {
      const rest = line.trimStart().replace(/^\S+/, '');
      for (const word of didYouMean) {
        const fixed = `${word}${rest}`;
        const parsed = parseCommandLine(fixed, this.deps.registry, { nowMs });
        if (parsed.kind === 'ok' && this.canSee(actor, parsed.command)) return typoCard(fixed);
      }
      return { text: '' };
    }
    const commands = this.deps.registry.visibleTo((c) => this.canSee(actor, c));
    return suggestionCard(line, commands, nowMs);
  }

  private async handle(message: MessageView, scopes: readonly TokenScope[] | undefined): Promise<void> {
    const room = await this.deps.chat.rooms.describe(message.roomId);
    if (!room) return;
    const direct = room.kind === 'dm' && room.name.split('--').includes(this.deps.bot.username);
    const line = this.deps.addressed(message.text, direct);
    if (line === undefined) return;
    if (!(await this.claim(message.id))) return;
    const actor = await this.deps.actorOf(message.userId, scopes);
    const where = {
      roomId: room.id,
      roomName: room.name,
      ...(message.threadId ? { threadId: message.threadId } : {}),
    };
    const reply = actor
      ? await this.execute({ ...actor, channel: 'web' }, line, where, { wait: false })
      : { outcome: 'denied' as const, text: 'I do not know who you are.' };
    if ('posted' in reply && reply.posted) return;
    const text =
      reply.text.length > MAX_REPLY_LENGTH ? `${reply.text.slice(0, MAX_REPLY_LENGTH)}\n… (cut)` : reply.text;
    await this.deps.messages.say(
      { roomId: room.id, ...(message.threadId ? { threadId: message.threadId } : {}) },
      { text, ...('card' in reply && reply.card ? { card: reply.card } : {}) },
    );
  }

  /** Exactly one node (and one attempt) handles a key: the first to record it wins. */
  async claim(key: string): Promise<boolean> {
    const result = await this.deps.db
      .insertInto('botClaims')
      .values({ messageId: key, claimedAt: this.deps.clock.now().toISOString() })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
