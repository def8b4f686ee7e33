import type { Kysely, Selectable } from 'kysely';
import type { DB, RoomsTable } from '../../storage/tables.js';
import type { RoomCache } from './room-cache.js';
import type { RoomKind, RoomView } from './schema.js';

export type RoomRow = Selectable<RoomsTable>;

export function toRoomView(row: RoomRow, memberCount: number, isMember: boolean): RoomView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as RoomKind,
    topic: row.topic,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    lastSeq: Number(row.lastSeq),
    memberCount,
    isMember,
  };
}

/** Room and membership queries; rooms and memberships are served from `cache` when it has them. */
export class RoomStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly cache?: RoomCache,
  ) {}

  /** By id first, then by name (with or without '#'). */
  async find(ref: string): Promise<RoomRow | undefined> {
    const name = ref.replace(/^#/, '').toLowerCase();
    const cached = this.cache?.room(ref, name);
    if (cached !== undefined) return cached;
    const epoch = this.cache?.epoch ?? 0;
    const row =
      (await this.db.selectFrom('rooms').selectAll().where('id', '=', ref).executeTakeFirst()) ??
      (await this.db.selectFrom('rooms').selectAll().where('name', '=', name).executeTakeFirst());
    if (row !== undefined) this.cache?.putRoom(row, epoch);
    return row;
  }

  async isMember(roomId: string, userId: string): Promise<boolean> {
    const cached = this.cache?.member(roomId, userId);
    if (cached !== undefined) return cached;
    const epoch = this.cache?.epoch ?? 0;
    const row = await this.db
      .selectFrom('roomMembers')
      .select('userId')
      .where('roomId', '=', roomId)
      .where('userId', '=', userId)
      .executeTakeFirst();
    this.cache?.putMember(roomId, userId, row !== undefined, epoch);
    return row !== undefined;
  }

  async memberCount(roomId: string): Promise<number> {
    const row = await this.db
      .selectFrom('roomMembers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('roomId', '=', roomId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Rooms the user can see: public and incident rooms, plus any they belong to. */
  async listVisible(userId: string): Promise<RoomView[]> {
    const rows = await this.db
      .selectFrom('rooms')
      .leftJoin('roomMembers as mine', (join) =>
        join.onRef('mine.roomId', '=', 'rooms.id').on('mine.userId', '=', userId),
      )
      .selectAll('rooms')
      .select((eb) => [
        eb('mine.userId', 'is not', null).as('isMember'),
        eb
          .selectFrom('roomMembers as all')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('all.roomId', '=', 'rooms.id')
          .as('memberCount'),
      ])
      .where('rooms.archivedAt', 'is', null)
      .where((eb) =>
        eb.or([eb('rooms.kind', 'in', ['public', 'incident']), eb('mine.userId', 'is not', null)]),
      )
      .orderBy('rooms.name')
      .execute();
    return rows.map((row) => toRoomView(row, Number(row.memberCount ?? 0), Boolean(row.isMember)));
  }

  async members(
    roomId: string,
  ): Promise<{ userId: string; username: string; role: string; joinedAt: string }[]> {
    return this.db
      .selectFrom('roomMembers')
      .innerJoin('users', 'users.id', 'roomMembers.userId')
      .select(['roomMembers.userId', 'users.username', 'roomMembers.role', 'roomMembers.joinedAt'])
      .where('roomMembers.roomId', '=', roomId)
      .orderBy('users.username')
      .execute();
  }

  async memberRoomIds(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('roomMembers')
      .select('roomId')
      .where('userId', '=', userId)
      .execute();
    return rows.map((r) => r.roomId);
  }
}
