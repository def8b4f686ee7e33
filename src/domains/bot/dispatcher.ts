import type { Kysely } from 'kysely';
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { asCodedError, isCodedError } from '../../core/errors.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import type { ChatDomain } from '../chat/index.js';
import type { Card, MessageView } from '../chat/schema.js';
import type { Command, CommandResult } from './command.js';
import { renderParseFailure } from './help.js';
import { suggestFromText } from './natural-language.js';
import { parseCommandLine } from './parser.js';
import type { CommandRegistry } from './registry.js';
import './table.js';

export type BotOutcome = 'ok' | 'usage' | 'denied' | 'failed';

/** The bot's answer to one command line: what to say and how it went (the CLI maps it to an exit code). */
export interface BotReply {
  outcome: BotOutcome;
  text: string;
  card?: Card;
  command?: string;
}

/** A reply as the API and the CLI carry it: with its exit code, absent parts as null. */
export function toRunResult(reply: BotReply) {
  return {
    outcome: reply.outcome,
    exitCode: EXIT_CODE_OF[reply.outcome],
    command: reply.command ?? null,
    text: reply.text,
    card: reply.card ?? null,
  };
}

type Where = { roomId?: string; roomName?: string; threadId?: string };

export const EXIT_CODE_OF: Record<BotOutcome, number> = { ok: 0, failed: 1, usage: 2, denied: 3 };

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_REPLY_LENGTH = 39_000;

export interface DispatcherDeps {
  db: Kysely<DB>;
  clock: Clock;
  registry: CommandRegistry;
  chat: ChatDomain;
  /** The bot's own identity, for the replies it posts. */
  bot: Actor;
  /** True when the message (in a room of this kind) is for the bot; returns the command line. */
  addressed: (text: string, direct: boolean) => string | undefined;
  /** The policy: may this actor use this permission (e.g. `deploy:prod`)? */
  allows: (actor: Actor, permission: string) => boolean;
  /** Looks up the author of a message as an actor (their roles now, not when they wrote). */
  actorOf: (userId: string) => Promise<Actor | undefined>;
  onError: (error: unknown, context: Record<string, unknown>) => void;
  /** Removes secret values from anything the bot says (replies, cards, errors). */
  redact: (text: string) => string;
  /** Told of every run and refusal (not of lines that did not parse): the audit trail. */
  onDecision?: (run: CommandDecision) => void;
}

export interface CommandDecision {
  actor: Actor;
  line: string;
  command: string;
  roomId: string | undefined;
  outcome: BotOutcome;
}

/**
 * Turns messages addressed to the bot into command runs and posts exactly one reply per message.
 * The same `execute` serves the CLI and the HTTP API, so every way in behaves alike.
 */
export class BotDispatcher {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: DispatcherDeps) {}

  /** Listens for new messages; returns the unsubscribe function. */
  attach(bus: EventBus): () => void {
    return bus.subscribe('message.created', (event) => {
      const message = event.payload.data;
      if (message.userId === this.deps.bot.userId || message.deletedAt !== null) return;
      const work = this.handle(message).catch((error: unknown) =>
        this.deps.onError(error, { messageId: message.id }),
      );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
  }

  /** Resolves once every message seen so far has been answered (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Whether `help` should list the command for this actor (a computed permission is checked at run time). */
  canSee(actor: Actor, command: Command): boolean {
    return command.permission === undefined || this.deps.allows(actor, command.permission);
  }

  /** Runs a command line as the actor; the answer never contains a secret value. */
  async execute(actor: Actor, line: string, where: Where = {}): Promise<BotReply> {
    const reply = await this.decide(actor, line, where);
    if (reply.command !== undefined) {
      this.deps.onDecision?.({
        actor,
        line,
        command: reply.command,
        roomId: where.roomId,
        outcome: reply.outcome,
      });
    }
    const text = this.deps.redact(reply.text);
    if (reply.card === undefined) return { ...reply, text };
    return { ...reply, text, card: JSON.parse(this.deps.redact(JSON.stringify(reply.card))) as Card };
  }

  private async decide(actor: Actor, line: string, where: Where): Promise<BotReply> {
    const visible = (command: Command) => this.canSee(actor, command);
    const parsed = parseCommandLine(line, this.deps.registry, { nowMs: this.deps.clock.nowMs(), visible });
    if (parsed.kind !== 'ok') {
      let text = renderParseFailure(parsed);
      if (parsed.kind === 'unknown_command') text += this.naturalHint(line, actor);
      return { outcome: 'usage', text };
    }
    const { command, args, extra } = parsed;
    const permission = command.permissionFor(args as never);
    if (!this.deps.allows(actor, permission)) {
      return {
        outcome: 'denied',
        command: command.name,
        text: `You need the \`${permission}\` permission to run \`${command.name}\`.`,
      };
    }
    if (command.rooms && where.roomName !== undefined && !command.rooms.includes(where.roomName)) {
      const rooms = command.rooms.map((r) => `#${r}`).join(', ');
      return {
        outcome: 'denied',
        command: command.name,
        text: `\`${command.name}\` can only run in ${rooms}.`,
      };
    }
    if (command.risk !== 'none') {
      // Confirmation and approval arrive with the job runner; until then a risky command never runs unconfirmed.
      return {
        outcome: 'denied',
        command: command.name,
        text: `\`${command.name}\` needs ${command.risk}, which this server cannot take yet.`,
      };
    }
    return this.run(command, { actor, line, args, extra, where });
  }

  private async run(
    command: Command,
    input: {
      actor: Actor;
      line: string;
      args: Record<string, unknown>;
      extra: Record<string, string>;
      where: { roomId?: string; threadId?: string };
    },
  ): Promise<BotReply> {
    const controller = new AbortController();
    const timeoutMs = command.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => controller.abort(new Error('timed out')), timeoutMs);
    const replies: string[] = [];
    try {
      const result: CommandResult = await Promise.race([
        command.run({
          args: input.args as never,
          extra: input.extra,
          actor: input.actor,
          roomId: input.where.roomId ?? '',
          ...(input.where.threadId === undefined ? {} : { threadId: input.where.threadId }),
          jobId: '',
          line: input.line,
          signal: controller.signal,
          reply: async (message) => {
            replies.push(typeof message === 'string' ? message : (message.text ?? ''));
          },
          progress: (text) => replies.push(text),
        }),
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason)),
        ),
      ]);
      return this.toReply(command, result, replies);
    } catch (error) {
      if (controller.signal.aborted)
        return {
          outcome: 'failed',
          command: command.name,
          text: `\`${command.name}\` timed out after ${timeoutMs / 1000}s.`,
        };
      const coded = asCodedError(error);
      const detail = isCodedError(error) ? coded.message : `internal error (${coded.code})`;
      if (!isCodedError(error)) this.deps.onError(error, { command: command.name });
      return { outcome: 'failed', command: command.name, text: `\`${command.name}\` failed: ${detail}` };
    } finally {
      clearTimeout(timer);
    }
  }

  private toReply(command: Command, result: CommandResult, replies: string[]): BotReply {
    const base = result === undefined ? {} : typeof result === 'string' ? { text: result } : result;
    const ok = typeof result === 'object' && result !== null && 'ok' in result ? result.ok !== false : true;
    const text =
      [...replies, base.text ?? ''].filter((t) => t !== '').join('\n') || (ok ? 'Done.' : 'Failed.');
    return {
      outcome: ok ? 'ok' : 'failed',
      command: command.name,
      text,
      ...(base.card ? { card: base.card } : {}),
    };
  }

  private naturalHint(line: string, actor: Actor): string {
    const commands = this.deps.registry.visibleTo((c) => this.canSee(actor, c));
    const ideas = suggestFromText(line, commands, { nowMs: this.deps.clock.nowMs(), limit: 3 }).filter(
      (s) => s.complete,
    );
    if (ideas.length === 0) return '';
    return `\nPerhaps: ${ideas.map((s) => `\`${s.line}\``).join(', ')}`;
  }

  private async handle(message: MessageView): Promise<void> {
    const room = await this.deps.chat.rooms.describe(message.roomId);
    if (!room) return;
    const direct = room.kind === 'dm' && room.name.split('--').includes(this.deps.bot.username);
    const line = this.deps.addressed(message.text, direct);
    if (line === undefined) return;
    if (!(await this.claim(message.id))) return;
    const actor = await this.deps.actorOf(message.userId);
    const reply = actor
      ? await this.execute({ ...actor, channel: 'web' }, line, {
          roomId: room.id,
          roomName: room.name,
          ...(message.threadId ? { threadId: message.threadId } : {}),
        })
      : { outcome: 'denied' as const, text: 'I do not know who you are.' };
    await this.deps.chat.rooms.ensureMember(room.id, {
      userId: this.deps.bot.userId,
      username: this.deps.bot.username,
    });
    const text =
      reply.text.length > MAX_REPLY_LENGTH ? `${reply.text.slice(0, MAX_REPLY_LENGTH)}\n… (cut)` : reply.text;
    await this.deps.chat.messages.post(this.deps.bot, room.id, {
      text,
      ...(reply.card ? { card: reply.card } : {}),
      ...(message.threadId ? { threadId: message.threadId } : {}),
    });
  }

  /** Exactly one node (and one attempt) answers a message: the first to record it wins. */
  private async claim(messageId: string): Promise<boolean> {
    const result = await this.deps.db
      .insertInto('botClaims')
      .values({ messageId, claimedAt: this.deps.clock.now().toISOString() })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
