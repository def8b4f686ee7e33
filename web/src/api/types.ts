// The server's contracts, as types only: nothing from src/ runs in the browser.
import type { AuditRecord } from '../../../src/domains/audit/schema.js';
import type { FileRef, RoomUnread } from '../../../src/domains/chat/file-schema.js';
import type { Card, MessageView, RoomView } from '../../../src/domains/chat/schema.js';
import type { TokenView, UserView } from '../../../src/domains/identity/schema.js';
import type { JobView, JobWithOutput } from '../../../src/domains/jobs/schema.js';

export type { AuditRecord, Card, FileRef, JobView, JobWithOutput, RoomUnread, RoomView, TokenView, UserView };

export type CardButton = NonNullable<Card['buttons']>[number];

export interface Me extends UserView {
  scopes: string[] | null;
}

export type Message = MessageView;

/** A room with the read marker's counts (`GET /api/me/unreads`, kept live by the client). */
export type Room = RoomView & { unreadCount?: number; mentionCount?: number; lastReadSeq?: number };

export interface Member {
  userId: string;
  username: string;
  role: string;
  joinedAt: string;
}

export interface BotCommandArg {
  name: string;
  type?: string;
  required?: boolean;
  description?: string;
  values?: string[];
  default?: string;
}

export interface BotCommand {
  name: string;
  aliases: string[];
  summary: string;
  usage: string[];
  examples: string[];
  /** Argument hints (name, type, enum values), when the server lists them. */
  args?: BotCommandArg[];
}

export interface SearchHit {
  messageId: string;
  num: number;
  roomId: string;
  roomName: string;
  userId: string;
  username: string | null;
  createdAt: string;
  threadId: string | null;
  snippet: string;
}

export interface EventFrame {
  type: 'event';
  event: string;
  roomId: string;
  seq: number;
  at: string;
  data: unknown;
}
