// The server's contracts, as types only: nothing from src/ runs in the browser.
import type { AuditRecord } from '../../../src/domains/audit/schema.js';
import type { FileRef, RoomUnread } from '../../../src/domains/chat/file-schema.js';
import type { Card, HistoryPage, MessageView, RoomView } from '../../../src/domains/chat/schema.js';
import type { TokenView, UserView } from '../../../src/domains/identity/schema.js';
import type { JobView, JobWithOutput } from '../../../src/domains/jobs/schema.js';

export type {
  AuditRecord,
  Card,
  FileRef,
  HistoryPage,
  JobView,
  JobWithOutput,
  RoomUnread,
  RoomView,
  TokenView,
  UserView,
};

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

/** Sent to one person's connections: they were added to a room, or left one elsewhere. */
export type RoomsChangedFrame =
  | { type: 'rooms.changed'; reason: 'added'; roomId: string; seq: number; room: RoomView }
  | { type: 'rooms.changed'; reason: 'removed'; roomId: string; seq: number };

export interface EventFrame {
  type: 'event';
  event: string;
  roomId: string;
  seq: number;
  at: string;
  data: unknown;
}
