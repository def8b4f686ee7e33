/**
 * The plugin SDK: what `import … from 'opsroom'` gives a plugin author. A plugin is a module whose
 * default export is `definePlugin({...})`; Opsroom loads it from `plugins/` (`plugins.dir`) as
 * TypeScript (through tsx) or JavaScript, registers its commands in the bot and calls `setup(api)`
 * so it can add listeners. Test plugins with `createTestBot()` from `opsroom/testing`.
 */
import type { Clock } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import type { EventType } from '../core/events.js';
import type { ArgSpecs } from '../domains/bot/arg-types.js';
import type { Command, CommandDefinition } from '../domains/bot/command.js';
import type {
  EventListenerHandler,
  HearHandler,
  ListenerMessage,
  ScheduleHandler,
} from '../domains/bot/listeners/index.js';
// The domains' events join the typed catalogue (declaration merging), so `api.on` knows every event.
import type {} from '../domains/chat/events.js';
import type {} from '../domains/identity/events.js';
import type {} from '../domains/jobs/events.js';
import type {} from '../domains/secrets/events.js';
import type { Logger } from '../runtime/logger.js';
import { pluginProblems } from './plugin-shape.js';

export type { Actor, Role } from '../core/actor.js';
export type { Clock } from '../core/clock.js';
export {
  CodedError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
} from '../core/errors.js';
export type { EventEnvelope, EventType, OpsroomEvents } from '../core/events.js';
export type { ArgSpec, ArgSpecs, ArgsOf } from '../domains/bot/arg-types.js';
export {
  type Command,
  type CommandContext,
  type CommandDefinition,
  type CommandReply,
  type CommandResult,
  defineCommand,
} from '../domains/bot/command.js';
export type {
  EventListenerHandler,
  HearContext,
  HeardRoom,
  HearHandler,
  ListenerMessage,
  ScheduleContext,
  ScheduleHandler,
} from '../domains/bot/listeners/index.js';
export type { Card, MessageView } from '../domains/chat/schema.js';
export type { Logger } from '../runtime/logger.js';

/**
 * A small key-value store scoped to one plugin, kept in this server process's memory (like Hubot's
 * default brain): it is empty after a restart and not shared between nodes.
 */
export interface Brain {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): boolean;
  keys(): string[];
}

/** Options for `api.hear`. */
export interface PluginHearOptions {
  /** Stable name within the plugin (for its exactly-once claim); default: its position. */
  id?: string;
  /** Only messages in these rooms (names); default every room. */
  rooms?: readonly string[];
}

/** Options for `api.schedule`. */
export interface PluginScheduleOptions {
  /** Stable name within the plugin (for its exactly-once claim); default: its position. */
  id?: string;
  /** IANA time zone the cron pattern is read in, e.g. `Europe/Oslo`; default UTC. */
  timezone?: string;
}

/** What `setup(api)` receives. Everything it registers is removed when the plugin is unloaded. */
export interface PluginApi {
  /** The plugin's name. */
  readonly name: string;
  /** A logger whose lines carry `plugin: <name>`; secret values are cut from them. */
  readonly logger: Logger;
  /** The server's clock: use it instead of `Date.now()` so tests can move time. */
  readonly clock: Clock;
  /** In-memory key-value store for this plugin. */
  readonly brain: Brain;

  /**
   * Registers a bot command (a `defineCommand` result or a plain definition).
   *
   * @example
   * ```ts
   * api.command({
   *   name: 'uptime',
   *   summary: 'How long the server has run',
   *   permission: 'bot:use',
   *   run: () => `up since ${started.toISOString()}`,
   * });
   * ```
   */
  command<const A extends ArgSpecs>(command: Command<A> | CommandDefinition<A>): Command<A>;

  /**
   * Runs `handler` for every message (in any room, from anyone but the bot) that the regex matches.
   * Each listener handles a message once, however many nodes run. Returns a function that removes it.
   *
   * @example
   * ```ts
   * api.hear(/\bdisk (?:is )?full\b/i, async ({ reply, room }) => {
   *   await reply(`Try \`!disk /\` in #${room.name}.`);
   * });
   * ```
   */
  hear(pattern: RegExp | string, handler: HearHandler, options?: PluginHearOptions): () => void;

  /**
   * Runs `handler` for every event of a type on the bus (`message.pinned`, `secret.set`, …).
   * Events the bot causes arrive too (an `api.say` is a `message.created`): check
   * `data.userId` before answering a message event, or it may answer itself. Returns a function that
   * stops it.
   *
   * @example
   * ```ts
   * api.on('message.pinned', async ({ roomId, data }) => {
   *   await api.say(roomId, `Pinned by ${data.by}.`);
   * });
   * ```
   */
  on<K extends EventType>(event: K, handler: EventListenerHandler<K>): () => void;

  /**
   * Runs `handler` on a cron schedule (croner syntax: 5 fields, or 6 with seconds first), exactly
   * once per due time across nodes. Returns a function that cancels it.
   *
   * @example
   * ```ts
   * api.schedule('0 9 * * 1-5', () => api.say('ops', 'Stand-up in 15 minutes.'), {
   *   timezone: 'Europe/Oslo',
   * });
   * ```
   */
  schedule(cron: string, handler: ScheduleHandler, options?: PluginScheduleOptions): () => void;

  /**
   * Posts a message as the bot into a room, by name or id (the bot joins it if needed).
   *
   * @example
   * ```ts
   * await api.say('ops', { text: 'Nightly backup done', card: { title: 'Backup', color: 'good' } });
   * ```
   */
  say(room: string, message: ListenerMessage): Promise<void>;
}

/** What `setup` may return: a function run when the plugin is unloaded (server shutdown). */
export type PluginTeardown = () => void | Promise<void>;

/** What a plugin author writes. See definePlugin. */
export interface PluginDefinition {
  /** Lower-case word (a-z, 0-9, '-', '_'), unique among loaded plugins. */
  name: string;
  /** One line, for logs and listings. */
  description?: string;
  /** Commands to register; `setup` may add more with `api.command`. */
  commands?: readonly (Command | CommandDefinition)[];
  /** Adds listeners and anything else; runs once at load. May return a teardown function. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a setup that returns nothing is the usual case
  setup?(api: PluginApi): void | PluginTeardown | Promise<void | PluginTeardown>;
}

/** A checked plugin, as definePlugin returns it. */
export type Plugin = Readonly<PluginDefinition>;

/**
 * Defines a plugin: checks it (name, commands, setup) and returns it frozen. Export it as the
 * module's default export from a file in `plugins/`. Throws a ValidationError listing problems.
 *
 * @example
 * ```ts
 * import { defineCommand, definePlugin } from 'opsroom';
 *
 * const greet = defineCommand({
 *   name: 'greet',
 *   summary: 'Say hello to someone',
 *   usage: ['greet {{who}}'],
 *   args: { who: { type: 'user', required: true } },
 *   permission: 'bot:use',
 *   run: ({ args }) => `Hello, @${args.who}!`,
 * });
 *
 * export default definePlugin({
 *   name: 'greetings',
 *   commands: [greet],
 *   setup(api) {
 *     api.hear(/^good morning\b/i, ({ reply, message }) => reply(`Morning, @${message.username}!`));
 *   },
 * });
 * ```
 */
export function definePlugin<const P extends PluginDefinition>(definition: P): P & Plugin {
  const problems = pluginProblems(definition);
  if (problems.length > 0) {
    throw new ValidationError(`definePlugin('${String(definition?.name)}'): ${problems.join('; ')}`);
  }
  return Object.freeze({ ...definition });
}
