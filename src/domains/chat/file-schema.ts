import { z } from 'zod';

/**
 * Contracts for attachments and read markers (the web app builds against these).
 *
 * Upload: `POST /api/rooms/:room/files?name=<file name>[&threadId=][&text=]` with the file's bytes as
 * the raw body (any Content-Type; the browser sends `file.type`). Answers 201 with the posted message
 * (`messageViewSchema` + `seq`), whose `files` holds the attachment. The message text is `text` when
 * given, else the file's name, so the file is found by search.
 * Download: `GET /api/files/:id` (always `Content-Disposition: attachment`; images of a safe type may
 * be shown with `<img src="/api/files/:id">`).
 */

/** Content types a browser may display from `/api/files/:id` (in an `<img>`); all else is octet-stream. */
export const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** An attachment as it appears in a message (`message.files`). `name` is sanitised plain text. */
export const fileRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int(),
  contentType: z.string(),
});
export type FileRef = z.infer<typeof fileRefSchema>;

/** Everything about a stored file, for `GET /api/files/:id/meta`. */
export const fileViewSchema = fileRefSchema.extend({
  roomId: z.string(),
  messageId: z.string(),
  uploadedBy: z.string(),
  sha256: z.string(),
  createdAt: z.string(),
});
export type FileView = z.infer<typeof fileViewSchema>;

/** Query string of the upload route; the body is the raw file. */
export const uploadFileQuery = z.strictObject({
  /** The file's name as the user had it; sanitised by the server (path parts and controls removed). */
  name: z.string().min(1, { message: 'name must not be empty' }).max(1000),
  threadId: z.string().min(1).max(64).optional(),
  /** An optional caption; defaults to the file name. */
  text: z.string().max(4000).optional(),
});

export const fileParams = z.strictObject({ id: z.string().min(1).max(64) });

/** `PUT /api/rooms/:room/read`: everything up to and including this room event `seq` has been seen. */
export const readMarkerBody = z.strictObject({ seq: z.number().int().min(0) });

/**
 * One room's unread state for the signed-in user (`GET /api/me/unreads`, and the answer of
 * `PUT /api/rooms/:room/read`). `unread` counts messages by others after the marker (replies included,
 * deleted ones not); `mentions` those of them that mention you (or @here/@channel). Only rooms you are
 * a member of are listed. Live updates are the client's: on `message.created` in a room that is not
 * open, add one (and one mention when `data.mentions` names you, `here` or `channel`); refetch after
 * a reconnect.
 */
export const roomUnreadSchema = z.object({
  roomId: z.string(),
  name: z.string(),
  kind: z.string(),
  lastReadSeq: z.number().int(),
  lastSeq: z.number().int(),
  unread: z.number().int(),
  mentions: z.number().int(),
});
export type RoomUnread = z.infer<typeof roomUnreadSchema>;

export const unreadsResponseSchema = z.object({ rooms: z.array(roomUnreadSchema) });
