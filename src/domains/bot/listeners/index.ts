/**
 * The bot's listeners: `hear` (a regex on every message), bus events and cron schedules. Plugins
 * add them through the SDK; opsroom.yaml declares them under `listeners:` (config-listeners.ts).
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../../../core/actor.js';
import type { Clock } from '../../../core/clock.js';
import type { EventBus } from '../../../runtime/event-bus.js';
import type { DB } from '../../../storage/tables.js';
import type { ChatDomain } from '../../chat/index.js';
import { createBotVoice, type Say } from './bot-voice.js';
import { createClaim } from './claims.js';
import { EventListeners } from './event-listeners.js';
import { HearListeners, HearRunner } from './hear.js';
import { InFlight } from './in-flight.js';
import { Schedules } from './schedules.js';

export type { ListenerMessage, Say } from './bot-voice.js';
export { type ConfigListenerDeps, installConfigListeners, type ListenerSpec } from './config-listeners.js';
export type { EventListenerHandler, EventListenerOptions, EventListeners } from './event-listeners.js';
export type { HearContext, HeardRoom, HearHandler, HearListeners, HearMatch, HearOptions } from './hear.js';
export type { ScheduleContext, ScheduleHandler, ScheduleOptions, Schedules } from './schedules.js';

export interface Listeners {
  hear: HearListeners;
  events: EventListeners;
  schedules: Schedules;
  /** Posts as the bot into a room (by id or name). */
  say: Say;
  /** Resolves once every handler started so far has finished (tests, shutdown). */
  drain(): Promise<void>;
  /** Stops listening and firing, then waits for handlers in progress. */
  stop(): Promise<void>;
}

export interface ListenerDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  chat: ChatDomain;
  /** The bot's identity: its own messages are never heard, and replies are posted as it. */
  bot: Actor;
  redact: (text: string) => string;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

export function startListeners(deps: ListenerDeps): Listeners {
  const inFlight = new InFlight();
  const claim = createClaim(deps.db, deps.clock);
  const say = createBotVoice({ chat: deps.chat, bot: deps.bot, redact: deps.redact });
  const hear = new HearListeners();
  const runner = new HearRunner({
    listeners: hear,
    chat: deps.chat,
    bot: deps.bot,
    claim,
    say,
    inFlight,
    onError: deps.onError,
  });
  const detach = runner.attach(deps.bus);
  const events = new EventListeners({ bus: deps.bus, claim, inFlight, onError: deps.onError });
  const schedules = new Schedules({ clock: deps.clock, claim, inFlight, onError: deps.onError });
  return {
    hear,
    events,
    schedules,
    say,
    drain: () => inFlight.drain(),
    async stop() {
      detach();
      events.stop();
      schedules.stop();
      await inFlight.drain();
    },
  };
}
