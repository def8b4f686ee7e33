import type { Writable } from 'node:stream';
import { pino } from 'pino';
import { type App, buildApp } from '../app.js';
import type { OpsroomConfig } from '../config/index.js';
import type { Actor, Role } from '../core/actor.js';
import { PermissionDeniedError, ValidationError } from '../core/errors.js';
import { toRunResult } from '../domains/bot/dispatcher.js';
import { usageLines } from '../domains/bot/help.js';
import { runAsActor } from '../domains/bot/run-as.js';
import { BOOTSTRAP_USERNAME } from '../domains/identity/bootstrap.js';
import type {
  AddUserInput,
  AlertListQuery,
  AuditPage,
  AuditQuery,
  AuditRecord,
  BotCommandInfo,
  BotRunResult,
  Card,
  CreatedIntegration,
  CreatedToken,
  CreateIntegrationInput,
  CreateRoomOptions,
  CreateTokenOptions,
  GroupView,
  IntegrationView,
  MessageView,
  OpsroomClient,
  RoomEventFrame,
  RoomEvents,
  RoomView,
  SearchHitView,
  SecretView,
  TailOptions,
  TokenView,
  UserView,
  VerifyResult,
} from './client.js';
import { pollEvents } from './follow.js';

export interface OfflineOptions {
  /** Act as this user instead of the local `admin`. */
  as?: string;
  /** Where the app's logs go: stderr, so stdout stays clean for data (export, --json). */
  logStream: Writable;
  /** Tells a person what happened besides the command (the first-run admin being created). */
  notice?: (text: string) => void;
}

/**
 * The OpsroomClient on the database itself, for when the server is down. It builds the same app the
 * server runs (without listening) and calls the same services with an actor on the `cli` channel,
 * so permissions are checked and the same events are emitted as for a request.
 */
export class OfflineClient implements OpsroomClient {
  readonly describe: string;

  private constructor(
    private readonly app: App,
    readonly actor: Actor,
  ) {
    this.describe = `offline:${app.database.location}`;
  }

  static async open(config: OpsroomConfig, options: OfflineOptions): Promise<OfflineClient> {
    // The CLI's own output matters more than routine info logs; an explicit debug level still wins.
    const level = config.log.level === 'info' ? 'warn' : config.log.level;
    const logger = pino(
      { level, redact: { paths: ['*.password', '*.token', '*.secret'], censor: '[redacted]' } },
      options.logStream,
    );
    const app = await buildApp(config, { logger });
    try {
      return new OfflineClient(app, await resolveActor(app, options));
    } catch (error) {
      await app.close();
      throw error;
    }
  }

  addUser(input: AddUserInput): Promise<UserView> {
    return this.app.identity.createUser(this.actor, input);
  }

  listUsers(): Promise<UserView[]> {
    return this.app.identity.listUsers();
  }

  setRoles(username: string, roles: Role[]): Promise<UserView> {
    return this.app.identity.setRoles(this.actor, username, roles);
  }

  createToken(options: CreateTokenOptions): Promise<CreatedToken> {
    return this.app.identity.createToken(this.actor, options);
  }

  listTokens(all: boolean): Promise<TokenView[]> {
    return this.app.identity.listTokens(this.actor, all);
  }

  revokeToken(id: string): Promise<TokenView> {
    return this.app.identity.revokeToken(this.actor, id);
  }

  createRoom(options: CreateRoomOptions): Promise<RoomView> {
    return this.app.chat.rooms.create(this.actor, options);
  }

  listRooms(): Promise<RoomView[]> {
    return this.app.chat.rooms.list(this.actor);
  }

  getRoom(ref: string): Promise<RoomView> {
    return this.app.chat.rooms.get(this.actor, ref);
  }

  say(room: string, input: { text: string; threadId?: string }): Promise<MessageView & { seq: number }> {
    return this.app.chat.messages.post(this.actor, room, input);
  }

  history(room: string, limit: number): Promise<MessageView[]> {
    return this.app.chat.messages.history(this.actor, room, { limit });
  }

  async events(room: string, after: number, limit: number): Promise<RoomEvents> {
    const found = await this.app.chat.messages.eventsSince(this.actor, room, after, limit);
    return {
      roomId: found.room.id,
      lastSeq: Number(found.room.lastSeq),
      events: found.events.map((e) => JSON.parse(e.frame) as RoomEventFrame),
    };
  }

  async search(query: string, limit: number): Promise<SearchHitView[]> {
    return (await this.app.chat.search.search(this.actor, { q: query, limit })).hits;
  }

  exportRoom(room: string): AsyncIterable<MessageView> {
    return this.app.chat.messages.exportRoom(this.actor, room);
  }

  /** Another process (the server, another CLI) may be writing: ask the database every ~500 ms. */
  tail(room: RoomView, options: TailOptions): AsyncIterable<RoomEventFrame> {
    return pollEvents((after, limit) => this.events(room.id, after, limit), options);
  }

  auditList(query: AuditQuery): Promise<AuditPage> {
    return this.app.audit.list(this.actor, query);
  }

  auditVerify(): Promise<VerifyResult> {
    return this.app.audit.verify(this.actor);
  }

  auditExport(): AsyncIterable<AuditRecord> {
    return this.app.audit.export(this.actor);
  }

  listSecrets(): Promise<SecretView[]> {
    return this.app.secrets.list(this.actor);
  }

  async setSecret(name: string, value: string): Promise<void> {
    await this.app.secrets.set(this.actor, name, value);
  }

  async createIntegration(input: CreateIntegrationInput): Promise<CreatedIntegration> {
    const { integration, ...rest } = await this.app.integrations.create(this.actor, input);
    const { secretName: _, ...view } = integration as typeof integration & { secretName?: unknown };
    return { ...rest, integration: view };
  }

  async listIntegrations(): Promise<IntegrationView[]> {
    return (await this.app.integrations.list(this.actor)).map(({ secretName: _, ...view }) => view);
  }

  async revokeIntegration(id: string): Promise<IntegrationView> {
    const { secretName: _, ...view } = await this.app.integrations.revoke(this.actor, id);
    return view;
  }

  listAlerts(query: AlertListQuery): Promise<GroupView[]> {
    return this.app.alerts.service.list(this.actor, query);
  }

  async testAlert(payload: string): Promise<{ text: string; card?: Card | undefined }> {
    this.app.alerts.service.require(this.actor, 'alerts:read');
    return this.app.alerts.dryRun(payload);
  }

  removeSecret(name: string): Promise<void> {
    return this.app.secrets.remove(this.actor, name);
  }

  /** `as` here is for the API's sake: offline, `--as` already chose who the whole client acts as. */
  async runCommand(line: string, room?: string, as?: string): Promise<BotRunResult> {
    const actor = as === undefined ? this.actor : await runAsActor(this.actor, as, this.app.identity);
    const found = room === undefined ? undefined : await this.app.chat.rooms.get(actor, room);
    const target = found ? { roomId: found.id, roomName: found.name } : {};
    const reply = await this.app.bot.dispatcher.execute(actor, line, target);
    return toRunResult(reply);
  }

  async botCommands(): Promise<BotCommandInfo[]> {
    const { bot } = this.app;
    return bot.registry
      .visibleTo((command) => bot.dispatcher.canSee(this.actor, command))
      .map((c) => ({
        name: c.name,
        aliases: [...c.aliases],
        summary: c.summary,
        usage: usageLines(c),
        examples: [...c.examples],
      }));
  }

  async me(): Promise<{ username: string; roles: string[] }> {
    return { username: this.actor.username, roles: [...this.actor.roles] };
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/**
 * `--as <user>`, else the local `admin`. A database with no users at all gets its first-run `admin`
 * exactly as `opsroom serve` would create it (service users such as the bot do not count), so an install can be set up before it is started.
 */
async function resolveActor(app: App, options: OfflineOptions): Promise<Actor> {
  const as = options.as;
  if (as !== undefined) {
    const row = await app.identity.requireUser(as);
    if (row.disabledAt !== null) throw new PermissionDeniedError(`@${row.username} is disabled`);
    return app.identity.actorFor(row, 'cli');
  }
  let admin = await app.identity.store.userByUsername(BOOTSTRAP_USERNAME);
  if (!admin) {
    await app.bootstrap.prepare();
    options.notice?.(
      `created the first-run '${BOOTSTRAP_USERNAME}' user; \`opsroom serve\` prints its setup link`,
    );
    admin = await app.identity.store.userByUsername(BOOTSTRAP_USERNAME);
  }
  if (!admin) {
    throw new ValidationError(
      `There is no local '${BOOTSTRAP_USERNAME}' user: pass --as <username> to say who is acting`,
    );
  }
  return app.identity.actorFor(admin, 'cli');
}
