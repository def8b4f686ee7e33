/**
 * `hear` listeners: a regex tested against every message in every room (Hubot's `robot.hear`).
 * The hot path is `HearListeners.match`: a listener whose regex needs a literal the message lacks is
 * ruled out with one `includes` (see hear-literal.ts); the others get one precompiled `exec`. No
 * allocation unless a regex matches. Claims and room look-ups happen only after a match.
 */
import type { Actor, TokenScope } from '../../../core/actor.js';
import { ConflictError, ValidationError } from '../../../core/errors.js';
import type { EventBus } from '../../../runtime/event-bus.js';
import type { ChatDomain } from '../../chat/index.js';
import type { MessageView } from '../../chat/schema.js';
import type { ListenerMessage, Say } from './bot-voice.js';
import type { Claim } from './claims.js';
import { LiteralScan, type RequiredLiteral, requiredLiteral } from './hear-literal.js';
import type { InFlight } from './in-flight.js';

/** The room a message was heard in. */
export interface HeardRoom {
  id: string;
  name: string;
  kind: string;
}

/** What a hear handler gets. */
export interface HearContext {
  /** The regex match: `match[1]`, `match.groups?.name`. */
  readonly match: RegExpExecArray;
  readonly message: MessageView;
  readonly room: HeardRoom;
  /**
   * The scopes of the API token the message was posted with; absent for a session. Run anything as the
   * author with `actorFor(author, channel, scopes)`, so a token does no more through a listener.
   */
  readonly scopes?: readonly TokenScope[];
  /** The listener's id (stable across nodes; used for its exactly-once claim). */
  readonly listenerId: string;
  /** Posts as the bot in the message's room (and thread, when the message is in one). */
  reply(message: ListenerMessage): Promise<void>;
}

export type HearHandler = (context: HearContext) => void | Promise<void>;

export interface HearOptions {
  /** Stable id; default `hear:<n>` in the order listeners are added. Must be unique. */
  id?: string;
  /** Only messages in these rooms (names, with or without '#'); default every room. */
  rooms?: readonly string[];
}

export interface HearListener {
  readonly id: string;
  readonly regex: RegExp;
  readonly rooms: ReadonlySet<string> | undefined;
  readonly handler: HearHandler;
}

export interface HearMatch {
  listener: HearListener;
  match: RegExpExecArray;
}

const NO_MATCHES: readonly HearMatch[] = Object.freeze([]);

/** A listener and the literal its regex's every match contains, if one could be read. */
interface Entry {
  listener: HearListener;
  literal: RequiredLiteral | undefined;
}

/** The listeners in order, each with the id of its literal in `scan` (-1: no literal, always run). */
interface Snapshot {
  entries: readonly Entry[];
  literalIds: Int32Array;
  scan: LiteralScan;
}

function snapshotOf(entries: readonly Entry[]): Snapshot {
  const ids = new Map<string, number>();
  const literals: RequiredLiteral[] = [];
  const literalIds = Int32Array.from(entries, ({ literal }) => {
    if (literal === undefined) return -1;
    const key = `${literal.folded ? 'i' : 's'}${literal.text}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = literals.push(literal) - 1;
      ids.set(key, id);
    }
    return id;
  });
  return { entries, literalIds, scan: new LiteralScan(literals) };
}

/** The set of hear listeners: add, remove and match. Pure: no I/O, safe to benchmark on its own. */
export class HearListeners {
  // Replaced, never mutated, so a match in progress never sees a half-changed list.
  private snapshot: Snapshot = snapshotOf([]);
  private counter = 0;

  /**
   * Adds a listener; returns the function that removes it. A string is compiled as a regex. The
   * `g` and `y` flags are dropped: they make a shared regex remember where it stopped.
   */
  add(pattern: RegExp | string, handler: HearHandler, options: HearOptions = {}): () => void {
    const id = options.id ?? `hear:${++this.counter}`;
    if (this.snapshot.entries.some((e) => e.listener.id === id))
      throw new ConflictError(`hear listener '${id}' already exists`);
    let regex: RegExp;
    try {
      regex =
        typeof pattern === 'string'
          ? new RegExp(pattern)
          : pattern.global || pattern.sticky
            ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
            : pattern;
    } catch (error) {
      throw new ValidationError(`hear listener '${id}': bad regex: ${(error as Error).message}`);
    }
    const rooms = options.rooms && new Set(options.rooms.map((r) => r.replace(/^#/, '').toLowerCase()));
    const listener: HearListener = { id, regex, rooms, handler };
    const entry: Entry = { listener, literal: requiredLiteral(regex) };
    this.snapshot = snapshotOf([...this.snapshot.entries, entry]);
    return () => {
      this.snapshot = snapshotOf(this.snapshot.entries.filter((e) => e !== entry));
    };
  }

  /** Every listener whose regex matches the text, in the order they were added. */
  match(text: string): readonly HearMatch[] {
    const { entries, literalIds, scan } = this.snapshot;
    const present = scan.size > 0 ? scan.present(text) : undefined;
    let matches: HearMatch[] | undefined;
    for (let i = 0; i < entries.length; i++) {
      // A listener whose literal the text lacks cannot match: its regex is not run.
      const literal = literalIds[i]!;
      if (literal >= 0 && present![literal] === 0) continue;
      const listener = entries[i]!.listener;
      const match = listener.regex.exec(text);
      if (match === null) continue;
      if (matches === undefined) matches = [];
      matches.push({ listener, match });
    }
    return matches ?? NO_MATCHES;
  }

  get size(): number {
    return this.snapshot.entries.length;
  }
}

export interface HearRunnerDeps {
  listeners: HearListeners;
  chat: ChatDomain;
  bot: Actor;
  claim: Claim;
  say: Say;
  inFlight: InFlight;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

/** Feeds every new message to the hear listeners; each listener handles a message exactly once. */
export class HearRunner {
  constructor(private readonly deps: HearRunnerDeps) {}

  /** Listens for new messages; returns the unsubscribe function. */
  attach(bus: EventBus): () => void {
    return bus.subscribe('message.created', (event) => {
      const message = event.payload.data;
      if (message.userId === this.deps.bot.userId || message.deletedAt !== null) return;
      const matches = this.deps.listeners.match(message.text);
      if (matches.length === 0) return;
      this.deps.inFlight.track(this.handle(message, matches, event.payload.scopes), (error) =>
        this.deps.onError(error, { messageId: message.id }),
      );
    });
  }

  /** Runs the matching listeners for one message; each claims `<messageId>:hear:<id>` first. */
  async handle(
    message: MessageView,
    matches: readonly HearMatch[],
    scopes?: readonly TokenScope[],
  ): Promise<void> {
    const room = await this.deps.chat.rooms.describe(message.roomId);
    if (!room) return;
    await Promise.all(
      matches.map(async ({ listener, match }) => {
        if (listener.rooms && !listener.rooms.has(room.name)) return;
        if (!(await this.deps.claim(`${message.id}:hear:${listener.id}`))) return;
        try {
          await listener.handler({
            match,
            message,
            room,
            ...(scopes === undefined ? {} : { scopes }),
            listenerId: listener.id,
            reply: (reply) => this.deps.say(room.id, reply, message.threadId ?? undefined),
          });
        } catch (error) {
          this.deps.onError(error, { listener: listener.id, messageId: message.id });
        }
      }),
    );
  }
}
