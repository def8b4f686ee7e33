import { z } from 'zod';
import { ErrorCode } from '../core/errors.js';
import { describeIssues, issuesOf } from '../core/validation.js';
import type { RoomView } from '../domains/chat/schema.js';

/**
 * The WebSocket API at /api/ws: the frames a client may send (zod schemas, one definition for the
 * docs, the gateway and typed clients) and the frames the server answers with. Event frames are not
 * defined here: they are the `frame` strings the chat domain stored in room_events, sent verbatim
 * (see roomEventFrameSchema in domains/chat/schema.ts).
 */

/** A client-chosen correlation id, echoed in the reply to that frame. */
export const clientFrameId = z.union([z.string().max(64), z.number().int()]);
export type ClientFrameId = z.infer<typeof clientFrameId>;

const roomRef = z.string().min(1).max(100);

export const MAX_ROOMS_PER_FRAME = 100;

export const subscribeFrame = z.strictObject({
  type: z.literal('subscribe'),
  id: clientFrameId.optional(),
  rooms: z
    .array(
      z.strictObject({
        /** A room id, or its name with or without '#'. */
        room: roomRef,
        /** The last sequence number the client has; events after it are replayed. Absent: live only. */
        after: z.number().int().min(0).optional(),
      }),
    )
    .min(1)
    .max(MAX_ROOMS_PER_FRAME),
});

export const unsubscribeFrame = z.strictObject({
  type: z.literal('unsubscribe'),
  id: clientFrameId.optional(),
  rooms: z
    .array(z.union([roomRef, z.strictObject({ room: roomRef })]))
    .min(1)
    .max(MAX_ROOMS_PER_FRAME),
});

export const pingFrame = z.strictObject({ type: z.literal('ping'), id: clientFrameId.optional() });

/** Text, thread and card are validated by the chat service, with the same rules as the REST route. */
export const postFrame = z.strictObject({
  type: z.literal('post'),
  id: clientFrameId.optional(),
  room: roomRef,
  text: z.string().optional(),
  threadId: z.string().optional(),
  card: z.record(z.string(), z.unknown()).optional(),
});

export const clientFrame = z.discriminatedUnion('type', [
  subscribeFrame,
  unsubscribeFrame,
  pingFrame,
  postFrame,
]);
export type ClientFrame = z.infer<typeof clientFrame>;
const CLIENT_TYPES: readonly string[] = clientFrame.options.map((o) => o.shape.type.value);

export interface ErrorFrame {
  type: 'error';
  id?: ClientFrameId;
  code: ErrorCode;
  message: string;
  /** The room reference a per-room refusal is about. */
  room?: string;
  /** For server faults: the id under which the failure was logged. */
  errorId?: string;
}

export type ServerFrame =
  | ErrorFrame
  | { type: 'subscribed'; id?: ClientFrameId; rooms: { roomId: string; name: string; lastSeq: number }[] }
  | { type: 'unsubscribed'; id?: ClientFrameId; rooms: string[]; reason?: string }
  | { type: 'pong'; id?: ClientFrameId }
  | { type: 'ack'; id?: ClientFrameId; messageId: string; seq: number }
  /**
   * Sent to one person's connections, subscribed or not: they were added to a room (`room` is it as
   * they see it; subscribe with `after: seq` to miss nothing) or left it (from another connection).
   */
  | { type: 'rooms.changed'; reason: 'added'; roomId: string; seq: number; room: RoomView }
  | { type: 'rooms.changed'; reason: 'removed'; roomId: string; seq: number };

/** `{ id }` when the client sent one, so replies can be spread into a frame. */
export function echo(id: ClientFrameId | undefined): { id?: ClientFrameId } {
  return id === undefined ? {} : { id };
}

/** Parses one text frame; a malformed one yields the error frame to answer with instead. */
export function parseClientFrame(
  text: string,
): { ok: true; frame: ClientFrame } | { ok: false; error: ErrorFrame } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      error: {
        type: 'error',
        code: ErrorCode.BadJson,
        message: `Not valid JSON: ${(error as Error).message}`,
      },
    };
  }
  const rawId =
    typeof value === 'object' && value !== null
      ? clientFrameId.safeParse((value as { id?: unknown }).id)
      : null;
  const id = rawId?.success ? rawId.data : undefined;
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !CLIENT_TYPES.includes(type)) {
    const message =
      typeof type === 'string'
        ? `Unknown frame type '${type.slice(0, 40)}'; expected one of: ${CLIENT_TYPES.join(', ')}`
        : `A frame is a JSON object with a "type": one of ${CLIENT_TYPES.join(', ')}`;
    return { ok: false, error: { type: 'error', ...echo(id), code: ErrorCode.Validation, message } };
  }
  const parsed = clientFrame.safeParse(value);
  if (parsed.success) return { ok: true, frame: parsed.data };
  return {
    ok: false,
    error: {
      type: 'error',
      ...echo(id),
      code: ErrorCode.Validation,
      message: `${type}: ${describeIssues(issuesOf(parsed.error))}`,
    },
  };
}

/**
 * Wraps a text payload in one unmasked, final RFC 6455 text frame (§5.2). Server frames are never
 * masked, so the same bytes can be written to every subscriber: an event is encoded and framed once
 * per broadcast instead of once per client.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + length);
  out[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    out[1] = length;
  } else if (length < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    out.writeUInt32BE(length >>> 0, 6);
  }
  out.write(text, header, 'utf8');
  return out;
}
