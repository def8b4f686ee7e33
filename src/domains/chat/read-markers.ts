import { type Kysely, sql } from 'kysely';
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { parseOrThrow } from '../../core/validation.js';
import type { DB } from '../../storage/tables.js';
import type { RoomAccess } from './access.js';
import { type RoomUnread, readMarkerBody } from './file-schema.js';

/**
 * Read markers and unread counts. A marker is a room event `seq` (what the client has seen); it is
 * turned into the number of the last message at that point, so counting what is unread is one range
 * scan of `messages (room_id, num)`. Markers only move forward.
 */
export class ReadMarkers {
  constructor(private readonly deps: { db: Kysely<DB>; clock: Clock; access: RoomAccess }) {}

  /** Marks the room read up to `seq` (capped at the room's last seq); answers its unread state. */
  async mark(actor: Actor, roomRef: string, body: { seq: number }): Promise<RoomUnread> {
    const { seq: wanted } = parseOrThrow(readMarkerBody, body);
    const room = await this.deps.access.readable(actor, roomRef);
    const seq = Math.min(wanted, Number(room.lastSeq));
    const lastNum = await this.lastMessageNumAt(room.id, seq);
    const updatedAt = this.deps.clock.now().toISOString();
    await this.deps.db
      .insertInto('readMarkers')
      .values({ roomId: room.id, userId: actor.userId, lastSeq: seq, lastNum, updatedAt })
      .onConflict((oc) =>
        oc
          .columns(['roomId', 'userId'])
          .doUpdateSet({ lastSeq: seq, lastNum, updatedAt })
          .where('readMarkers.lastSeq', '<', seq),
      )
      .execute();
    const [state] = await this.unreads(actor, room.id);
    return (
      state ?? {
        roomId: room.id,
        name: room.name,
        kind: room.kind,
        lastReadSeq: seq,
        lastSeq: Number(room.lastSeq),
        unread: 0,
        mentions: 0,
      }
    );
  }

  /** Unread and mention counts for every room the actor is a member of (or one room). */
  async unreads(actor: Actor, onlyRoomId?: string): Promise<RoomUnread[]> {
    const me = actor.userId;
    const mine = [`%"${actor.username}"%`, '%"here"%', '%"channel"%'];
    let query = this.deps.db
      .selectFrom('roomMembers as mem')
      .innerJoin('rooms', 'rooms.id', 'mem.roomId')
      .leftJoin('readMarkers as r', (join) => join.onRef('r.roomId', '=', 'rooms.id').on('r.userId', '=', me))
      .select((eb) => [
        'rooms.id as roomId',
        'rooms.name',
        'rooms.kind',
        'rooms.lastSeq',
        eb.fn.coalesce('r.lastSeq', sql<number>`0`).as('lastReadSeq'),
        eb
          .selectFrom('messages as m')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('m.roomId', '=', 'rooms.id')
          .where('m.num', '>', eb.fn.coalesce('r.lastNum', sql<number>`0`))
          .where('m.userId', '<>', me)
          .where('m.deletedAt', 'is', null)
          .as('unread'),
        eb
          .selectFrom('messages as m')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('m.roomId', '=', 'rooms.id')
          .where('m.num', '>', eb.fn.coalesce('r.lastNum', sql<number>`0`))
          .where('m.userId', '<>', me)
          .where('m.deletedAt', 'is', null)
          .where((w) => w.or(mine.map((p) => w('m.mentions', 'like', p))))
          .as('mentions'),
      ])
      .where('mem.userId', '=', me)
      .where('rooms.archivedAt', 'is', null);
    if (onlyRoomId !== undefined) query = query.where('rooms.id', '=', onlyRoomId);
    const rows = await query.orderBy('rooms.name').execute();
    return rows.map((row) => ({
      roomId: row.roomId,
      name: row.name,
      kind: row.kind,
      lastReadSeq: Number(row.lastReadSeq),
      lastSeq: Number(row.lastSeq),
      unread: Number(row.unread ?? 0),
      mentions: Number(row.mentions ?? 0),
    }));
  }

  /** `num` of the newest message created at or before the event `seq` (0 for none). */
  private async lastMessageNumAt(roomId: string, seq: number): Promise<number> {
    if (seq <= 0) return 0;
    const event = await this.deps.db
      .selectFrom('roomEvents')
      .select('createdAt')
      .where('roomId', '=', roomId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!event) return 0;
    const row = await this.deps.db
      .selectFrom('messages')
      .select((eb) => eb.fn.max('num').as('num'))
      .where('roomId', '=', roomId)
      .where('createdAt', '<=', event.createdAt)
      .executeTakeFirst();
    return Number(row?.num ?? 0);
  }
}
