/**
 * Listeners declared in opsroom.yaml (`listeners:`). Each runs a command line through the
 * dispatcher's `execute`, so policy, audit and redaction apply exactly as when a person types it,
 * and posts the reply into a room as the bot. Users and rooms are looked up when a listener fires:
 * a user created later, or a changed role, counts.
 */
import type { Actor, TokenScope } from '../../../core/actor.js';
import type { EventType } from '../../../core/events.js';
import type { Card } from '../../chat/schema.js';
import { quoteToken } from '../tokenizer.js';
import type { Say } from './bot-voice.js';
import type { HeardRoom } from './hear.js';
import type { Listeners } from './index.js';

/** One configured listener (the parsed `listeners:` entry; exactly one of hear, cron, on). */
export interface ListenerSpec {
  id?: string | undefined;
  hear?: RegExp | undefined;
  cron?: string | undefined;
  on?: string | undefined;
  timezone?: string | undefined;
  room?: string | undefined;
  as?: string | undefined;
  run: string;
}

export interface ConfigListenerDeps {
  listeners: Listeners;
  /**
   * The dispatcher's execute without waiting for a job: parse → policy → run → redact. `posted` means
   * the answer is already in the room (a job's live card, a proposal), so nothing more is said.
   */
  execute: (
    actor: Actor,
    line: string,
    where: { roomId: string; roomName: string; threadId?: string },
  ) => Promise<{ text: string; card?: Card; posted?: boolean }>;
  say: Say;
  describeRoom: (ref: string) => Promise<HeardRoom | undefined>;
  /** An enabled user as an actor, by username or by id; undefined when unknown or disabled. */
  actorNamed: (username: string) => Promise<Actor | undefined>;
  /** An enabled user as an actor by id, bounded by the API token's scopes they wrote with, if any. */
  actorOf: (userId: string, scopes?: readonly TokenScope[]) => Promise<Actor | undefined>;
  bot: Actor;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

/** Fills `{{1}}` and `{{name}}` with the match's captures, each quoted as one argument. */
export function fillCaptures(line: string, match: RegExpExecArray): string {
  return line.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, key: string) => {
    const value = /^\d+$/.test(key) ? match[Number(key)] : match.groups?.[key];
    return value === undefined ? whole : quoteToken(value);
  });
}

/** Installs every configured listener; returns the function that removes them all. */
export function installConfigListeners(specs: readonly ListenerSpec[], deps: ConfigListenerDeps): () => void {
  const removers = specs.map((spec, index) => install(spec, spec.id ?? `config:${index}`, deps));
  return () => {
    for (const remove of removers) remove();
  };
}

function install(spec: ListenerSpec, id: string, deps: ConfigListenerDeps): () => void {
  const fail = (error: unknown) => deps.onError(error, { listener: id });
  const runAs = async (username: string): Promise<Actor | undefined> => {
    const actor = await deps.actorNamed(username);
    if (!actor) fail(new Error(`listener ${id}: user '${username}' is unknown or disabled`));
    return actor && { ...actor, channel: 'system' };
  };
  const runIn = async (actor: Actor, room: HeardRoom, line: string, threadId?: string) => {
    const reply = await deps.execute(actor, line, {
      roomId: room.id,
      roomName: room.name,
      ...(threadId ? { threadId } : {}),
    });
    if (reply.posted) return;
    await deps.say(room.id, { text: reply.text, ...(reply.card ? { card: reply.card } : {}) }, threadId);
  };

  if (spec.hear !== undefined) {
    return deps.listeners.hear.add(
      spec.hear,
      async ({ match, message, room, scopes }) => {
        // Without `as:` the command runs as the person who wrote the message, with their permissions
        // (no more than the API token they wrote with allows).
        const author = spec.as === undefined ? await deps.actorOf(message.userId, scopes) : undefined;
        const actor =
          spec.as !== undefined ? await runAs(spec.as) : author && { ...author, channel: 'system' as const };
        if (actor) await runIn(actor, room, fillCaptures(spec.run, match), message.threadId ?? undefined);
      },
      { id, ...(spec.room !== undefined ? { rooms: [spec.room] } : {}) },
    );
  }
  if (spec.cron !== undefined) {
    return deps.listeners.schedules.add(
      spec.cron,
      async () => {
        const room = await deps.describeRoom(spec.room ?? '');
        if (!room) return fail(new Error(`listener ${id}: room '${spec.room}' does not exist`));
        const actor = await runAs(spec.as ?? '');
        if (actor) await runIn(actor, room, spec.run);
      },
      { id, ...(spec.timezone !== undefined ? { timezone: spec.timezone } : {}) },
    );
  }
  if (spec.on !== undefined) {
    return deps.listeners.events.on(
      spec.on as EventType,
      async (payload) => {
        const data = (payload as { data?: { userId?: unknown } }).data;
        const job = (payload as { job?: { channel?: unknown } }).job;
        // No loops: the bot's own doings (its replies, joining a room) and jobs that listeners started
        // (every listener run is on the 'system' channel) never trigger a listener.
        if (data?.userId === deps.bot.userId || job?.channel === 'system') return;
        const roomId = (payload as { roomId?: unknown }).roomId;
        const ref = spec.room ?? (typeof roomId === 'string' ? roomId : undefined);
        const room = ref === undefined ? undefined : await deps.describeRoom(ref);
        if (!room) return fail(new Error(`listener ${id}: room '${ref ?? '(none)'}' does not exist`));
        const actor = await runAs(spec.as ?? '');
        if (actor) await runIn(actor, room, spec.run);
      },
      { id },
    );
  }
  return () => {};
}
