/**
 * Installs one plugin: registers its commands, builds the `api` its `setup` receives, and remembers
 * everything it added so a failed load (or shutdown) removes all of it and leaves the bot as it was.
 */
import type { Clock } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import { type Command, type CommandDefinition, defineCommand, isCommand } from '../domains/bot/command.js';
import type { Listeners } from '../domains/bot/listeners/index.js';
import type { CommandRegistry } from '../domains/bot/registry.js';
import type { Logger } from '../runtime/logger.js';
import { pluginProblems } from './plugin-shape.js';
import type { Brain, Plugin, PluginApi, PluginTeardown } from './sdk.js';

/** What the server lends plugins. */
export interface PluginHost {
  registry: CommandRegistry;
  listeners: Listeners;
  clock: Clock;
  logger: Logger;
}

/** A plugin that loaded: what it registered, and how to take it out again. */
export interface InstalledPlugin {
  name: string;
  /** The file it came from, or `(inline)` for a plugin object handed to buildApp. */
  source: string;
  commands: string[];
  /** Removes its commands and listeners and runs its teardown; never throws. */
  unload(): Promise<void>;
}

function memoryBrain(): Brain {
  const values = new Map<string, unknown>();
  return {
    get: <T>(key: string) => values.get(key) as T | undefined,
    set: (key, value) => void values.set(key, value),
    delete: (key) => values.delete(key),
    keys: () => [...values.keys()],
  };
}

/**
 * A command from this copy of Opsroom is used as it is. A plain definition (a JavaScript plugin) is
 * checked with defineCommand. A command made by another copy (a plugin with its own
 * `node_modules/opsroom`) is not in this copy's registry of defined commands, so it is defined
 * again from its parts; a permission function survives as `permissionFor`.
 */
export function adoptCommand(value: unknown): Command {
  if (isCommand(value)) return value;
  if (typeof value !== 'object' || value === null) {
    throw new ValidationError('a command must be a defineCommand(...) result or a command definition');
  }
  const candidate = value as Partial<Command> & Record<string, unknown>;
  if (typeof candidate.permissionFor === 'function' && Array.isArray(candidate.patterns)) {
    const { patterns: _patterns, locksFor: _locksFor, permissionFor, permission, ...rest } = candidate;
    return defineCommand({
      ...rest,
      permission: permission ?? ((args: never) => permissionFor.call(candidate, args)),
    } as CommandDefinition);
  }
  return defineCommand(candidate as unknown as CommandDefinition);
}

/**
 * Registers the plugin's commands and runs its setup. On any failure everything it had added is
 * removed again and the error is rethrown for the loader to report.
 */
export async function installPlugin(
  value: unknown,
  source: string,
  host: PluginHost,
): Promise<InstalledPlugin> {
  const problems = pluginProblems(value);
  if (problems.length > 0) throw new ValidationError(`not a plugin: ${problems.join('; ')}`);
  const plugin = value as Plugin;
  const undo: (() => void)[] = [];
  const commands: string[] = [];
  let teardown: PluginTeardown | undefined;
  const logger = host.logger.child({ plugin: plugin.name });
  const scoped = (kind: string, counter: { n: number }, id: string | undefined) =>
    `plugin:${plugin.name}:${kind}:${id ?? ++counter.n}`;
  const counters = { hear: { n: 0 }, on: { n: 0 }, schedule: { n: 0 } };
  const addCommand = (command: unknown): Command => {
    const registered = host.registry.register(adoptCommand(command));
    undo.push(() => host.registry.unregister(registered.name));
    commands.push(registered.name);
    return registered;
  };
  const api: PluginApi = {
    name: plugin.name,
    logger,
    clock: host.clock,
    brain: memoryBrain(),
    command: (command) => addCommand(command) as never,
    hear(pattern, handler, options = {}) {
      const remove = host.listeners.hear.add(pattern, handler, {
        id: scoped('hear', counters.hear, options.id),
        ...(options.rooms ? { rooms: options.rooms } : {}),
      });
      undo.push(remove);
      return remove;
    },
    on(event, handler) {
      const remove = host.listeners.events.on(event, handler, { id: scoped('on', counters.on, undefined) });
      undo.push(remove);
      return remove;
    },
    schedule(cron, handler, options = {}) {
      const remove = host.listeners.schedules.add(cron, handler, {
        id: scoped('schedule', counters.schedule, options.id),
        ...(options.timezone ? { timezone: options.timezone } : {}),
      });
      undo.push(remove);
      return remove;
    },
    say: (room, message) => host.listeners.say(room, message),
  };
  const removeAll = () => {
    for (const step of undo.splice(0).reverse()) step();
  };
  try {
    for (const command of plugin.commands ?? []) addCommand(command);
    const result = await plugin.setup?.(api);
    if (typeof result === 'function') teardown = result;
  } catch (error) {
    removeAll();
    throw error;
  }
  return {
    name: plugin.name,
    source,
    commands,
    async unload() {
      removeAll();
      try {
        await teardown?.();
      } catch (error) {
        logger.error({ err: error }, 'plugin teardown failed');
      }
    },
  };
}
