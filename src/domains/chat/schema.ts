import { z } from 'zod';
import { freeText, handle, labelText } from '../../core/text.js';
import { fileRefSchema } from './file-schema.js';

export const ROOM_KINDS = ['public', 'private', 'dm', 'incident'] as const;
export const roomKindSchema = z.enum(ROOM_KINDS);
export type RoomKind = z.infer<typeof roomKindSchema>;

/** Room names are handles; a leading '#' is accepted and dropped. */
export const roomNameSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.replace(/^#/, '') : v),
  handle('room name', 80),
);

export const roomViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: roomKindSchema,
  topic: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  lastSeq: z.number().int(),
  memberCount: z.number().int(),
  isMember: z.boolean(),
});
export type RoomView = z.infer<typeof roomViewSchema>;

export const createRoomBody = z.strictObject({
  name: roomNameSchema,
  kind: z.enum(['public', 'private', 'incident']).default('public'),
  topic: freeText(500).default(''),
  /** Usernames to add besides the creator. */
  members: z.array(handle('username', 32)).max(500).default([]),
});
export type CreateRoomInput = z.input<typeof createRoomBody>;

export const updateRoomBody = z.strictObject({ topic: freeText(500) });
export const addMemberBody = z.strictObject({ username: handle('username', 32) });

const COLORS = ['good', 'warning', 'danger', 'info', 'neutral'] as const;
export const cardSchema = z.strictObject({
  title: labelText(200),
  text: freeText(4000).optional(),
  color: z
    .union([z.enum(COLORS), z.string().regex(/^#[0-9a-fA-F]{6}$/, { message: 'colour must be #rrggbb' })])
    .optional(),
  fields: z
    .array(z.strictObject({ title: labelText(100), value: freeText(1000), short: z.boolean().optional() }))
    .max(25)
    .optional(),
  code: z.strictObject({ language: labelText(40).optional(), content: freeText(20_000) }).optional(),
  buttons: z
    .array(
      z.strictObject({
        actionId: handle('actionId', 64),
        label: labelText(60),
        style: z.enum(['default', 'primary', 'danger']).optional(),
        value: freeText(500).optional(),
      }),
    )
    .max(10)
    .optional(),
  footer: freeText(300).optional(),
});
export type Card = z.infer<typeof cardSchema>;

export function postMessageBody(maxLength: number) {
  return z
    .strictObject({
      text: freeText(maxLength).default(''),
      threadId: z.string().min(1).max(64).optional(),
      card: cardSchema.optional(),
    })
    .refine((b) => b.text.trim() !== '' || b.card !== undefined, {
      message: 'text must not be empty (or send a card)',
      path: ['text'],
    });
}
export type PostMessageInput = {
  text?: string | undefined;
  threadId?: string | undefined;
  card?: Card | undefined;
};

export function editMessageBody(maxLength: number) {
  return z
    .strictObject({ text: freeText(maxLength).optional(), card: cardSchema.nullable().optional() })
    .refine((b) => b.text !== undefined || b.card !== undefined, { message: 'send text, card or both' });
}
export type EditMessageInput = { text?: string | undefined; card?: Card | null | undefined };

export const reactionBody = z.strictObject({
  emoji: z
    .string()
    .min(1)
    .max(64)
    // \p{Cc} is every control character: an emoji is one printable token.
    .regex(/^[^\s\p{Cc}]+$/u, { message: 'emoji must be a single token such as "+1" or "👀"' }),
});

export const cardActionBody = z.strictObject({
  actionId: handle('actionId', 64),
  value: freeText(500).optional(),
});

export const reactionSummarySchema = z.object({
  emoji: z.string(),
  count: z.number().int(),
  users: z.array(z.string()),
});

export const messageViewSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  userId: z.string(),
  username: z.string().nullable(),
  threadId: z.string().nullable(),
  text: z.string(),
  card: cardSchema.nullable(),
  mentions: z.array(z.string()),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  reactions: z.array(reactionSummarySchema),
  pinned: z.boolean(),
  replyCount: z.number().int(),
  /** Attachments (`GET /api/files/:id`); always sent by the server, `[]` when none. */
  files: z.array(fileRefSchema).optional(),
});
export type MessageView = z.infer<typeof messageViewSchema>;

export const messageEditViewSchema = z.object({
  text: z.string(),
  card: cardSchema.nullable(),
  editedBy: z.string(),
  editedAt: z.string(),
});

/** At most one of `before`, `after` and `around` (message ids): which page of the timeline. */
export const historyQuery = z.strictObject({
  before: z.string().min(1).max(64).optional(),
  after: z.string().min(1).max(64).optional(),
  /** That message in the middle of the page (a reply: its thread's first message), for jump-to-message. */
  around: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  threadId: z.string().min(1).max(64).optional(),
});

export const historyPageSchema = z.object({
  messages: z.array(messageViewSchema),
  /** More messages exist before the first one returned (page on with `before`). */
  hasOlder: z.boolean(),
  /** More messages exist after the last one returned (page on with `after`). */
  hasNewer: z.boolean(),
});
export type HistoryPage = z.infer<typeof historyPageSchema>;

export const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

/** A frame as WebSocket clients receive it; the same bytes are kept for replay. */
export const roomEventFrameSchema = z.object({
  type: z.literal('event'),
  event: z.string(),
  roomId: z.string(),
  seq: z.number().int(),
  at: z.string(),
  data: z.unknown(),
});
export type RoomEventFrame = z.infer<typeof roomEventFrameSchema>;

export const searchQuery = z.strictObject({
  q: z.string().min(1, { message: 'q must not be empty' }).max(500),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.coerce.number().int().min(1).optional(),
});

export const searchHitSchema = z.object({
  messageId: z.string(),
  num: z.number().int(),
  roomId: z.string(),
  roomName: z.string(),
  userId: z.string(),
  username: z.string().nullable(),
  createdAt: z.string(),
  threadId: z.string().nullable(),
  snippet: z.string(),
});
