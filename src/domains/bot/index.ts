import type { Kysely } from 'kysely';
import { type Actor, SYSTEM_ACTOR } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import type { ChatDomain } from '../chat/index.js';
import type { IdentityService } from '../identity/service.js';
import { roleAllows } from '../policy/role-permissions.js';
import { type Addressing, compileAddressing } from './addressing.js';
import { builtInCommands } from './builtins.js';
import { BotDispatcher, type CommandDecision } from './dispatcher.js';
import { CommandRegistry } from './registry.js';

export interface Bot {
  registry: CommandRegistry;
  dispatcher: BotDispatcher;
  actor: Actor;
  /** Stops listening and waits for replies in progress. */
  stop(): Promise<void>;
}

export interface BotDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  chat: ChatDomain;
  identity: IdentityService;
  addressing: Addressing;
  version: string;
  onError: (error: unknown, context: Record<string, unknown>) => void;
  redact: (text: string) => string;
  onDecision?: (run: CommandDecision) => void;
}

/** The bot user (created on first start), its command registry with the built-ins, and the dispatcher. */
export async function startBot(deps: BotDeps): Promise<Bot> {
  const name = deps.addressing.name;
  const existing = await deps.identity.store.userByUsername(name);
  const user =
    existing ??
    (await deps.identity.createUser(SYSTEM_ACTOR, {
      username: name,
      roles: ['member'],
      displayName: 'Opsroom bot',
    }));
  const actor: Actor = { userId: user.id, username: name, roles: ['member'], channel: 'system' };
  const registry = new CommandRegistry();
  const dispatcher = new BotDispatcher({
    db: deps.db,
    clock: deps.clock,
    registry,
    chat: deps.chat,
    bot: actor,
    addressed: compileAddressing(deps.addressing),
    allows: roleAllows,
    actorOf: async (userId) => {
      const row = await deps.identity.store.userById(userId);
      return row && row.disabledAt === null ? deps.identity.actorFor(row, 'web') : undefined;
    },
    onError: deps.onError,
    redact: deps.redact,
    ...(deps.onDecision ? { onDecision: deps.onDecision } : {}),
  });
  const startedAtMs = deps.clock.nowMs();
  for (const command of builtInCommands({
    registry,
    canRun: (who, command) => dispatcher.canSee(who, command),
    clock: deps.clock,
    version: deps.version,
    startedAtMs,
  })) {
    registry.register(command);
  }
  const detach = dispatcher.attach(deps.bus);
  return {
    registry,
    dispatcher,
    actor,
    async stop() {
      detach();
      await dispatcher.drain();
    },
  };
}
