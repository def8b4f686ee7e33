// Opsroom's side of the dispatch benchmark, through the app's own dispatcher (see OpsroomMode):
// - in memory (the comparison with Hubot): the hear listeners' `match` and handlers, then addressing
//   and `BotDispatcher.execute` (rate limit → parse → audit → policy → rooms → risk → run → redact),
//   each reply delivered into the same in-memory room sink Hubot's adapter uses; audit records written
//   to SQLite as wired, or kept in memory.
// - persisted: the message stored in SQLite → `message.created` → the dispatcher (claim, execute) and
//   the hear runner (claim per listener) → each reply stored in the room. Replies are counted off the bus.
import type { Actor } from '../src/core/actor.js';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { compileAddressing } from '../src/domains/bot/addressing.js';
import { type Command, defineCommand } from '../src/domains/bot/command.js';
import type { MessageView } from '../src/domains/chat/schema.js';
import { startTestApp } from '../test/support/app.js';
import type { BreakdownContext } from './dispatch-breakdown.js';
import { RoomSink } from './dispatch-sink.js';
import { type CommandSpec, ENVS, type HearSpec, ROOMS, replyText, USERS } from './dispatch-workload.js';

/** The same commands as Hubot's regexes, as Opsroom definitions with typed arguments. */
export function opsroomCommand(spec: CommandSpec): Command {
  const name = spec.name;
  const common = {
    name,
    summary: `${name} (benchmark)`,
    group: 'Benchmark',
    instant: true,
    permission: `ops:${name.split('-')[0]}`,
  };
  switch (spec.shape) {
    case 'env':
      return defineCommand({
        ...common,
        usage: [`${name} {{ref}} [to {{env=staging}}]`],
        args: { ref: { type: 'string', required: true }, env: { type: 'enum', values: ENVS } },
        permission: `deploy:{{env}}`,
        run: ({ args }) => replyText(spec, [args.ref, args.env ?? 'staging']),
      });
    case 'duration':
      return defineCommand({
        ...common,
        usage: [`${name} {{target}} [for {{duration=1h}}]`],
        args: { target: { type: 'string', required: true }, duration: { type: 'duration' } },
        run: ({ args }) => replyText(spec, [args.target, args.duration ?? 3_600_000]),
      });
    case 'count':
      return defineCommand({
        ...common,
        usage: [`${name} {{count}} [{{zone=eu-1}}]`],
        args: { count: { type: 'integer', required: true, min: 0 }, zone: { type: 'string' } },
        run: ({ args }) => replyText(spec, [args.count, args.zone ?? 'eu-1']),
      });
    case 'user':
      return defineCommand({
        ...common,
        usage: [`${name} {{who}} [{{reason}}]`],
        args: { who: { type: 'user', required: true }, reason: { type: 'string', rest: true } },
        run: ({ args }) => replyText(spec, [args.who, args.reason ?? '']),
      });
    case 'room':
      return defineCommand({
        ...common,
        usage: [`${name} {{room}} [{{dry=false}}]`],
        args: { room: { type: 'room', required: true }, dry: { type: 'boolean' } },
        run: ({ args }) => replyText(spec, [args.room, args.dry ?? false]),
      });
  }
}

/**
 * `memory`: the in-memory path as wired, its audit records written to SQLite in the background.
 * `memory-audit`: the same, but each audit entry is kept in an in-memory list instead of being written:
 * dispatch as the issue defines it (parse → policy → reply), with no database on the way.
 * `persisted`: the chat path end to end on SQLite.
 */
export type OpsroomMode = 'memory' | 'memory-audit' | 'persisted';

export interface OpsroomBot {
  listeners: number;
  receive(text: string): Promise<void>;
  /** Waits for work a run leaves queued (audit records), so the clock counts it. */
  settle(): Promise<void>;
  /** Where the persisted path counts its replies (the in-memory path uses the sink it was given). */
  sink?: RoomSink;
  /** The app and the asker, for the breakdown (in-memory path only). */
  context?: BreakdownContext;
  notes: string[];
  close(): Promise<void>;
}

/** A few stored secrets, so every reply passes a real redactor, as on a server that has some. */
const SECRETS: Record<string, string> = {
  GRAFANA_TOKEN: 'glsa_4f9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d',
  PAGER_KEY: 'u+Zx3kq9Wm2Lp7Rt',
  DB_PASSWORD: 'correct horse battery staple',
};

export async function startOpsroomBot(
  commands: readonly CommandSpec[],
  hears: readonly HearSpec[],
  sink: RoomSink,
  mode: OpsroomMode,
): Promise<OpsroomBot> {
  const persisted = mode === 'persisted';
  // The per-user command rate limit (120/min by default) would refuse one user's 100,000 messages.
  const t = await startTestApp('sqlite', { config: { bot: { rateLimitPerMinute: 0 } } });
  const { app } = t;
  const notes = ['per-user rate limit off (bot.rateLimitPerMinute: 0)'];
  try {
    for (const [name, value] of Object.entries(SECRETS)) await app.secrets.set(SYSTEM_ACTOR, name, value);
    const alice = await t.user('alice', ['operator']);
    const actor: Actor = { ...(await app.identity.authenticateToken(alice.token, 'api'))!, channel: 'web' };
    for (const name of USERS) if (name !== 'alice') await t.user(name);
    const rooms = [];
    for (const name of ROOMS) rooms.push(await app.chat.rooms.create(actor, { name }));
    const room = rooms[0]!;
    for (const spec of commands) app.bot.registry.register(opsroomCommand(spec));
    const redact = (text: string) => app.secrets.redactor().redact(text);
    // The app's own hear listeners: in the persisted path its hear runner feeds them every message.
    const listeners = app.extensions.listeners;
    for (const hear of hears) {
      listeners.hear.add(hear.regex, ({ match, reply }) => reply(hear.reply(match)), { id: hear.id });
    }

    if (persisted) {
      const replies = new RoomSink();
      app.bus.subscribe('message.created', (event) => {
        const message = event.payload.data;
        if (message.userId === app.bot.actor.userId) replies.post(room.name, message.text);
      });
      return {
        listeners: commands.length + listeners.hear.size,
        sink: replies,
        notes,
        async receive(text) {
          await app.chat.messages.post(actor, room.id, { text });
          await Promise.all([app.bot.dispatcher.drain(), listeners.drain()]);
        },
        settle: () => app.audit.drain(),
        close: () => t.dispose(),
      };
    }

    if (mode === 'memory-audit') {
      // The entry is still built by the app's onDecision; only the SQLite write is left out.
      const kept: unknown[] = [];
      app.audit.enqueue = (entry) => {
        kept.push(entry);
      };
      notes.push('memory-audit: audit entries kept in memory, not written');
    }
    const addressed = compileAddressing(app.config.bot);
    const where = { roomId: room.id, roomName: room.name };
    const heardRoom = { id: room.id, name: room.name, kind: room.kind };
    let id = 0;
    return {
      listeners: commands.length + listeners.hear.size,
      notes,
      context: { t, actor, room, addressed },
      async receive(text) {
        const matches = listeners.hear.match(text);
        if (matches.length > 0) {
          // What the hear runner hands a handler, minus its database claim and room look-up.
          const message = messageView(`m_${++id}`, room.id, actor, text, app.clock.now().toISOString());
          for (const { listener, match } of matches) {
            await listener.handler({
              match,
              message,
              room: heardRoom,
              listenerId: listener.id,
              reply: async (said) => {
                sink.post(room.name, redact(typeof said === 'string' ? said : (said.text ?? '')));
              },
            });
          }
        }
        const line = addressed(text, false);
        if (line === undefined) return;
        const reply = await app.bot.dispatcher.execute(actor, line, where);
        sink.post(room.name, reply.text);
      },
      settle: () => app.audit.drain(),
      close: () => t.dispose(),
    };
  } catch (error) {
    await t.dispose();
    throw error;
  }
}

function messageView(id: string, roomId: string, actor: Actor, text: string, createdAt: string): MessageView {
  return {
    id,
    roomId,
    userId: actor.userId,
    username: actor.username,
    threadId: null,
    text,
    card: null,
    mentions: [],
    createdAt,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    pinned: false,
    replyCount: 0,
  };
}
