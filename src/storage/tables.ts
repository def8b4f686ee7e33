import type { Generated } from 'kysely';

/**
 * Row types as Kysely sees them (camelCase: the CamelCasePlugin maps to snake_case columns).
 * Times are ISO-8601 UTC strings on both databases, so comparisons and code stay dialect-free.
 * JSON columns are text holding JSON.
 */
export interface UsersTable {
  id: string;
  username: string;
  displayName: string;
  roles: string;
  passwordHash: string | null;
  createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
}

export interface ApiTokensTable {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  scopes: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface SessionsTable {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface RoomsTable {
  id: string;
  name: string;
  kind: string;
  topic: string;
  createdBy: string;
  createdAt: string;
  archivedAt: string | null;
  lastSeq: number;
}

export interface RoomMembersTable {
  roomId: string;
  userId: string;
  role: string;
  joinedAt: string;
}

export interface MessagesTable {
  num: Generated<number>;
  id: string;
  roomId: string;
  userId: string;
  threadId: string | null;
  text: string;
  card: string | null;
  mentions: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
}

export interface MessageEditsTable {
  id: string;
  messageId: string;
  text: string;
  card: string | null;
  editedBy: string;
  editedAt: string;
}

export interface ReactionsTable {
  messageId: string;
  userId: string;
  emoji: string;
  createdAt: string;
}

export interface PinsTable {
  roomId: string;
  messageId: string;
  pinnedBy: string;
  pinnedAt: string;
}

export interface RoomEventsTable {
  roomId: string;
  seq: number;
  type: string;
  /** The event frame exactly as WebSocket clients receive it, so replay re-sends identical bytes. */
  frame: string;
  createdAt: string;
}

export interface DB {
  users: UsersTable;
  apiTokens: ApiTokensTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  rooms: RoomsTable;
  roomMembers: RoomMembersTable;
  messages: MessagesTable;
  messageEdits: MessageEditsTable;
  reactions: ReactionsTable;
  pins: PinsTable;
  roomEvents: RoomEventsTable;
}
