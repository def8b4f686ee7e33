/**
 * Wires the listeners, the `listeners:` from opsroom.yaml and the plugins into a running bot, in one
 * call from buildApp. Start it after the bot; stop it before the bot.
 */
import type { Actor, TokenScope } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import type { Bot } from '../domains/bot/index.js';
import {
  installConfigListeners,
  type ListenerSpec,
  type Listeners,
  startListeners,
} from '../domains/bot/listeners/index.js';
import type { ChatDomain } from '../domains/chat/index.js';
import type { IdentityService } from '../domains/identity/service.js';
import type { EventBus } from '../runtime/event-bus.js';
import type { Logger } from '../runtime/logger.js';
import type { Database } from '../storage/database.js';
import { type LoadedPlugins, loadPlugins } from './loader.js';

export interface PluginsAndListeners {
  listeners: Listeners;
  plugins: LoadedPlugins;
  /** Unloads plugins, removes configured listeners, stops timers and waits for running handlers. */
  stop(): Promise<void>;
}

export interface StartPluginsDeps {
  database: Database;
  clock: Clock;
  bus: EventBus;
  chat: ChatDomain;
  identity: IdentityService;
  bot: Bot;
  logger: Logger;
  redact: (text: string) => string;
  /** `plugins.dir` from the config; undefined loads no folder. */
  dir: string | undefined;
  /** `listeners:` from the config. */
  listenerSpecs: readonly ListenerSpec[];
  /** Plugin objects handed over in code (buildApp's `plugins` override, createTestBot). */
  plugins?: readonly unknown[] | undefined;
}

export async function startPluginsAndListeners(deps: StartPluginsDeps): Promise<PluginsAndListeners> {
  const onError = (error: unknown, context: Record<string, unknown>) =>
    deps.logger.error({ err: error, ...context }, 'listener failed');
  const listeners = startListeners({
    db: deps.database.db,
    clock: deps.clock,
    bus: deps.bus,
    chat: deps.chat,
    bot: deps.bot.actor,
    redact: deps.redact,
    onError,
  });
  const actorOf = async (
    row: Awaited<ReturnType<IdentityService['store']['userById']>>,
    scopes?: readonly TokenScope[],
  ) => (row && row.disabledAt === null ? deps.identity.actorFor(row, 'system', scopes) : undefined);
  const removeConfigured = installConfigListeners(deps.listenerSpecs, {
    listeners,
    // Not waiting: a job shows its own live card in the room, as when a person types the line.
    execute: (actor: Actor, line, where) => deps.bot.dispatcher.execute(actor, line, where, { wait: false }),
    say: listeners.say,
    describeRoom: (ref) => deps.chat.rooms.describe(ref),
    actorNamed: async (username) =>
      actorOf(await deps.identity.store.userByUsername(username.replace(/^@/, '').toLowerCase())),
    actorOf: async (userId, scopes) => actorOf(await deps.identity.store.userById(userId), scopes),
    bot: deps.bot.actor,
    onError,
  });
  const plugins = await loadPlugins({
    dir: deps.dir,
    plugins: deps.plugins,
    host: { registry: deps.bot.registry, listeners, clock: deps.clock, logger: deps.logger },
  });
  return {
    listeners,
    plugins,
    async stop() {
      await plugins.stop();
      removeConfigured();
      await listeners.stop();
    },
  };
}
