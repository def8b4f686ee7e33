/**
 * `opsroom/testing`: transcript tests for plugins. `createTestBot()` builds the real server in
 * process (the same buildApp as `opsroom serve`, SQLite in a temporary folder, no HTTP listener), so
 * a plugin is tested through the dispatcher, policy, jobs and listeners it will meet in production.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type App, buildApp } from '../app.js';
import { configSchema, type OpsroomConfigInput } from '../config/schema.js';
import { type Actor, type Role, SYSTEM_ACTOR } from '../core/actor.js';
import { type Clock, type FakeClock, SystemClock } from '../core/clock.js';
import type { BotReply } from '../domains/bot/pipeline.js';
import type { Card, MessageView } from '../domains/chat/schema.js';
import type { Plugin } from './sdk.js';

export { FakeClock } from '../core/clock.js';

export interface TestBotOptions<C extends Clock> {
  /** Plugins to load (the module's default export, e.g. `import hello from './hello.js'`). */
  plugins?: readonly Plugin[];
  /** Also load every plugin in this folder, as the server does with `plugins.dir`. */
  pluginsDir?: string;
  /** Users and their roles; anyone else who sends is created as a `member` on first use. */
  users?: Readonly<Record<string, readonly Role[]>>;
  /** A FakeClock lets the test move time (schedules, timeouts); default the real clock. */
  clock?: C;
  /** The room `send` uses when none is given; created on first use. Default `general`. */
  room?: string;
  /** More opsroom.yaml settings, e.g. `listeners` or `policy`. Storage and plugins.dir are the harness's. */
  config?: OpsroomConfigInput;
}

/** A message the bot posted, as it reads once the work behind it has finished. */
export interface TestBotMessage {
  /**
   * The message's text; for a card without text (a job's live card), the card's body, else its
   * title. The whole card is in `card`.
   */
  text: string;
  card: Card | null;
  room: string;
  threadId: string | null;
}

export interface SendOptions {
  /** Room name (created on first use); default the bot's default room. */
  room?: string;
  /** Send in the user's direct conversation with the bot (no prefix needed there). */
  dm?: boolean;
  threadId?: string;
}

export interface TestBot<C extends Clock = Clock> {
  /** The whole server, for anything the harness does not wrap. */
  readonly app: App;
  readonly clock: C;
  /** Log lines at warn level and above (a plugin that failed to load shows up here). */
  readonly problems: Record<string, unknown>[];
  /**
   * Posts a message as the user and returns the text of every message the bot posted because of it,
   * once the commands, jobs and listeners it started have finished.
   *
   * @example
   * ```ts
   * assert.deepEqual(await bot.send('alice', '!hello ops'), ['Hello, ops!']);
   * assert.deepEqual(await bot.send('alice', 'just chatting'), []);
   * ```
   */
  send(username: string, text: string, options?: SendOptions): Promise<string[]>;
  /**
   * Like send, with cards, rooms and threads.
   *
   * @example
   * ```ts
   * const [reply] = await bot.sendMessages('alice', 'status', { dm: true });
   * assert.equal(reply?.card?.title, 'All systems go');
   * ```
   */
  sendMessages(username: string, text: string, options?: SendOptions): Promise<TestBotMessage[]>;
  /**
   * Runs a command line as the user (no chat message), waiting for a job to end: the CLI's path.
   *
   * @example
   * ```ts
   * const reply = await bot.run('alice', 'coffee 2 for bob');
   * assert.equal(reply.outcome, 'ok');
   * ```
   */
  run(username: string, line: string, options?: { room?: string }): Promise<BotReply>;
  /**
   * Moves a FakeClock forward (firing schedules) and returns what the bot posted meanwhile.
   *
   * @example
   * ```ts
   * const bot = await createTestBot({ plugins: [standup], clock: new FakeClock('2026-03-02T08:59:00Z') });
   * assert.deepEqual(await bot.advance(60_000), ['Stand-up in 15 minutes.']);
   * ```
   */
  advance(ms: number): Promise<string[]>;
  /** The user as an actor, created (as a member, or with `roles`) if needed. */
  user(username: string, roles?: readonly Role[]): Promise<Actor>;
  /** Waits until the dispatcher, jobs and listeners have nothing left to do. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** What a card says, for transcripts: its body (a job card's output), else its title. */
function cardText(card: Card | null): string {
  if (!card) return '';
  return card.text !== undefined && card.text !== '' ? card.text : card.title;
}

/**
 * Starts a test bot: the real Opsroom server in process, with your plugins loaded. Close it at the
 * end of the test.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { test } from 'node:test';
 * import { createTestBot, FakeClock } from 'opsroom/testing';
 * import hello from './hello.js';
 *
 * test('hello greets', async () => {
 *   const bot = await createTestBot({ plugins: [hello], users: { alice: ['member'] } });
 *   try {
 *     assert.deepEqual(await bot.send('alice', '!hello world'), ['Hello, world!']);
 *     const reply = await bot.run('alice', 'hello world');
 *     assert.equal(reply.outcome, 'ok');
 *   } finally {
 *     await bot.close();
 *   }
 * });
 *
 * test('a schedule fires on a fake clock', async () => {
 *   const bot = await createTestBot({ plugins: [hello], clock: new FakeClock('2026-03-02T08:59:00Z') });
 *   assert.deepEqual(await bot.advance(60_000), ['Good morning!']);
 *   await bot.close();
 * });
 * ```
 */
export async function createTestBot<C extends Clock = SystemClock>(
  options: TestBotOptions<C> = {},
): Promise<TestBot<C>> {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-testbot-'));
  const problems: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void problems.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const clock = (options.clock ?? new SystemClock()) as C;
  const config = configSchema.parse({
    ...options.config,
    storage: { dataDir: join(dir, 'data') },
    server: { ...options.config?.server, port: 0 },
    // Only the plugins this test names: never whatever sits in ./plugins of the working directory.
    plugins: { dir: options.pluginsDir ?? join(dir, 'no-plugins') },
  });
  let app: App;
  try {
    app = await buildApp(config, {
      clock,
      logger,
      secretKey: randomBytes(32),
      ...(options.plugins ? { plugins: options.plugins } : {}),
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const defaultRoom = options.room ?? 'general';
  const botId = app.bot.actor.userId;

  const user = async (username: string, roles?: readonly Role[]): Promise<Actor> => {
    const name = username.replace(/^@/, '').toLowerCase();
    const row =
      (await app.identity.store.userByUsername(name)) ??
      (await app.identity.createUser(SYSTEM_ACTOR, {
        username: name,
        roles: [...(roles ?? options.users?.[name] ?? ['member'])],
      }));
    return app.identity.actorFor(row, 'web');
  };
  for (const [name, roles] of Object.entries(options.users ?? {})) await user(name, roles);

  const roomFor = async (actor: Actor, name: string) => {
    const existing = await app.chat.rooms.describe(name);
    if (existing) return existing.id;
    return (await app.chat.rooms.create(actor, { name })).id;
  };
  const settle = async () => {
    // Listeners can start jobs and jobs can post messages that wake listeners: go round until quiet.
    for (let round = 0; round < 3; round++) {
      await app.bot.idle();
      await app.extensions.listeners.drain();
    }
    await app.bot.idle();
  };
  /** Runs `work`, settles, and returns the bot's messages created meanwhile, as they read now. */
  const collect = async (work: () => Promise<unknown>): Promise<TestBotMessage[]> => {
    const ids: string[] = [];
    const stop = app.bus.subscribe('message.created', (event) => {
      if (event.payload.data.userId === botId) ids.push(event.payload.data.id);
    });
    try {
      await work();
      await settle();
    } finally {
      stop();
    }
    const out: TestBotMessage[] = [];
    for (const id of ids) {
      const message: MessageView = await app.chat.messages.get(app.bot.actor, id);
      const room = await app.chat.rooms.describe(message.roomId);
      out.push({
        text: message.text !== '' ? message.text : cardText(message.card),
        card: message.card,
        room: room?.name ?? message.roomId,
        threadId: message.threadId,
      });
    }
    return out;
  };
  const sendMessages = async (username: string, text: string, send: SendOptions = {}) => {
    const actor = await user(username);
    const roomId = send.dm
      ? (await app.chat.rooms.openDirect(actor, app.bot.actor.username)).id
      : await roomFor(actor, send.room ?? defaultRoom);
    return collect(() =>
      app.chat.messages.post(actor, roomId, { text, ...(send.threadId ? { threadId: send.threadId } : {}) }),
    );
  };

  return {
    app,
    clock,
    problems,
    sendMessages,
    send: async (username, text, send) => (await sendMessages(username, text, send)).map((m) => m.text),
    async run(username, line, run = {}) {
      const actor = await user(username);
      const room = await app.chat.rooms.describe(await roomFor(actor, run.room ?? defaultRoom));
      const reply = await app.bot.dispatcher.execute(actor, line, {
        ...(room ? { roomId: room.id, roomName: room.name } : {}),
      });
      await settle();
      return reply;
    },
    async advance(ms) {
      const fake = clock as unknown as Partial<FakeClock>;
      if (typeof fake.advanceAsync !== 'function') {
        throw new TypeError('advance() needs createTestBot({ clock: new FakeClock() })');
      }
      return (await collect(() => fake.advanceAsync!(ms))).map((m) => m.text);
    },
    user,
    settle,
    async close() {
      try {
        await app.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
