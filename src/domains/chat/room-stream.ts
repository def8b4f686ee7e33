import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { RoomStreamEventType } from './events.js';
import type { RoomEventFrame } from './schema.js';

export interface AppendedEvent<T> {
  type: RoomStreamEventType;
  roomId: string;
  seq: number;
  frame: string;
  data: T;
}

/**
 * Allocates the room's next sequence number and records the event frame, inside the caller's
 * transaction. The UPDATE … RETURNING row lock serialises writers of one room on PostgreSQL, so
 * sequence numbers have no gaps and no duplicates; replay reads the same rows back.
 */
export async function appendRoomEvent<T>(
  trx: Transaction<DB>,
  event: { type: RoomStreamEventType; roomId: string; at: string; data: T },
): Promise<AppendedEvent<T>> {
  const { lastSeq } = await trx
    .updateTable('rooms')
    .set((eb) => ({ lastSeq: eb('lastSeq', '+', 1) }))
    .where('id', '=', event.roomId)
    .returning('lastSeq')
    .executeTakeFirstOrThrow();
  const appended = appendedEvent(event, Number(lastSeq));
  await trx
    .insertInto('roomEvents')
    .values({
      roomId: event.roomId,
      seq: appended.seq,
      type: event.type,
      frame: appended.frame,
      createdAt: event.at,
    })
    .execute();
  return appended;
}

/** The event with its seq and its frame, serialised once: what is stored, published and sent. */
export function appendedEvent<T>(
  event: { type: RoomStreamEventType; roomId: string; at: string; data: T },
  seq: number,
): AppendedEvent<T> {
  const frameObject: RoomEventFrame = {
    type: 'event',
    event: event.type,
    roomId: event.roomId,
    seq,
    at: event.at,
    data: event.data,
  };
  return {
    type: event.type,
    roomId: event.roomId,
    seq,
    frame: JSON.stringify(frameObject),
    data: event.data,
  };
}

/** Frames after `afterSeq`, oldest first: what a reconnecting client missed. */
export async function roomEventsSince(
  db: Kysely<DB>,
  roomId: string,
  afterSeq: number,
  limit: number,
): Promise<{ seq: number; frame: string }[]> {
  return db
    .selectFrom('roomEvents')
    .select(['seq', 'frame'])
    .where('roomId', '=', roomId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}
