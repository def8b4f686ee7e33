import type { Role, TokenScope } from '../core/actor.js';
import type { AlertListQuery, GroupView } from '../domains/alerts/schema.js';
import type { AuditPage, AuditRecord, VerifyResult } from '../domains/audit/schema.js';
import type { Card, MessageView, RoomEventFrame, RoomView } from '../domains/chat/schema.js';
import type { CreatedToken, TokenView, UserView } from '../domains/identity/schema.js';
import type {
  CreatedIntegration,
  CreateIntegrationInput,
  IntegrationView,
} from '../domains/integrations/schema.js';
import type { SecretView } from '../domains/secrets/schema.js';

export type {
  AlertListQuery,
  AuditPage,
  AuditRecord,
  Card,
  CreatedIntegration,
  CreatedToken,
  CreateIntegrationInput,
  GroupView,
  IntegrationView,
  MessageView,
  RoomEventFrame,
  RoomView,
  SecretView,
  TokenView,
  UserView,
  VerifyResult,
};

/** One search result, as `GET /api/search` returns it. */
export interface SearchHitView {
  messageId: string;
  roomId: string;
  roomName: string;
  username: string | null;
  createdAt: string;
  snippet: string;
}

export interface AddUserInput {
  username: string;
  roles?: Role[];
  password?: string;
  displayName?: string;
}

export interface CreateTokenOptions {
  username?: string;
  name?: string;
  scopes?: TokenScope[];
  expiresInDays?: number;
}

export interface CreateRoomOptions {
  name: string;
  kind: 'public' | 'private';
  topic?: string;
}

export interface RoomEvents {
  roomId: string;
  lastSeq: number;
  events: RoomEventFrame[];
}

export interface AuditQuery {
  limit?: number;
  before?: number;
  actor?: string;
  action?: string;
}

export interface TailOptions {
  /** Only events after this sequence number. */
  after: number;
  /** Ends the iteration cleanly (Ctrl-C, or a test). */
  signal: AbortSignal;
  /** Called each time the follow is live: subscribed, or the first poll answered. */
  onLive?: () => void;
  /** Status lines for a person (reconnecting, falling back to polling); never data. */
  onNotice?: (text: string) => void;
}

/**
 * Everything the `opsroom` commands do, independent of how: over the REST API of a running server
 * (HttpClient) or directly on the database through the same services (OfflineClient).
 */
export interface OpsroomClient {
  /** `http://…` or `offline:<database>`, for messages. */
  readonly describe: string;
  addUser(input: AddUserInput): Promise<UserView>;
  listUsers(): Promise<UserView[]>;
  setRoles(username: string, roles: Role[]): Promise<UserView>;
  createToken(options: CreateTokenOptions): Promise<CreatedToken>;
  listTokens(all: boolean): Promise<TokenView[]>;
  revokeToken(id: string): Promise<TokenView>;
  createRoom(options: CreateRoomOptions): Promise<RoomView>;
  listRooms(): Promise<RoomView[]>;
  getRoom(ref: string): Promise<RoomView>;
  say(room: string, input: { text: string; threadId?: string }): Promise<MessageView & { seq: number }>;
  /** The newest `limit` top-level messages, oldest first. */
  history(room: string, limit: number): Promise<MessageView[]>;
  events(room: string, after: number, limit: number): Promise<RoomEvents>;
  search(query: string, limit: number): Promise<SearchHitView[]>;
  /** Every message of the room, oldest first, thread replies and deleted ones included. */
  exportRoom(room: string): AsyncIterable<MessageView>;
  /** Room events after `options.after` as they happen, until the signal aborts. */
  tail(room: RoomView, options: TailOptions): AsyncIterable<RoomEventFrame>;
  /** Audit records, newest first (admin). */
  auditList(query: AuditQuery): Promise<AuditPage>;
  /** Walks the audit hash chain (admin). */
  auditVerify(): Promise<VerifyResult>;
  /** Every audit record, oldest first, as stored (admin). */
  auditExport(): AsyncIterable<AuditRecord>;
  /** Secret names and timestamps (admin); values never come back. */
  listSecrets(): Promise<SecretView[]>;
  /** Creates or replaces a secret (admin). */
  setSecret(name: string, value: string): Promise<void>;
  removeSecret(name: string): Promise<void>;
  /** Creates an integration (admin); the answer holds its URL with the token (or GitHub secret), once. */
  createIntegration(input: CreateIntegrationInput): Promise<CreatedIntegration>;
  listIntegrations(): Promise<IntegrationView[]>;
  revokeIntegration(id: string): Promise<IntegrationView>;
  /** Alert groups with their alerts (`GET /api/alerts`). */
  listAlerts(query: AlertListQuery): Promise<GroupView[]>;
  /** The dry run of `alerts test` for a JSON payload: nothing is stored. */
  testAlert(payload: string): Promise<{ text: string; card?: Card | undefined }>;
  /**
   * Runs a bot command line as the caller, or (admins, over the API) as the user `as`; the bot's answer
   * and how it went.
   */
  runCommand(line: string, room?: string, as?: string): Promise<BotRunResult>;
  /** The bot commands the caller may run (names, aliases, usage): the shell completes from these. */
  botCommands(): Promise<BotCommandInfo[]>;
  /** Who the client acts as. */
  me(): Promise<{ username: string; roles: string[] }>;
  close(): Promise<void>;
}

export interface BotCommandInfo {
  name: string;
  aliases: string[];
  summary: string;
  usage: string[];
  examples: string[];
}

export interface BotRunResult {
  /** `pending`: a risky command was proposed and waits for `confirm` or `approve`. */
  outcome: 'ok' | 'usage' | 'denied' | 'failed' | 'pending';
  exitCode: number;
  command: string | null;
  text: string;
  card: Card | null;
  jobId: number | null;
}
