import type { Kysely } from 'kysely';
import { type Actor, canWrite, isAdmin } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { ConflictError, NotFoundError, PermissionDeniedError, ValidationError } from '../../core/errors.js';
import type { IdGenerator } from '../../core/ids.js';
import { parseOrThrow } from '../../core/validation.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import type { RoomAccess } from './access.js';
import type { RoomStreamEventType } from './events.js';
import { type RoomRow, type RoomStore, toRoomView } from './room-store.js';
import { type AppendedEvent, appendRoomEvent } from './room-stream.js';
import { type CreateRoomInput, createRoomBody, type RoomView, updateRoomBody } from './schema.js';

export interface ChatDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: IdGenerator;
  bus: EventBus;
  rooms: RoomStore;
  access: RoomAccess;
}

/** Publishes committed room-stream events in order. */
export function publishAll(bus: EventBus, events: AppendedEvent<unknown>[], by?: Actor): void {
  // The token's scopes travel with the events a person's post or press causes (see ByToken).
  const scopes = by?.scopes;
  for (const e of events) {
    bus.publish(
      e.type as RoomStreamEventType,
      (scopes === undefined
        ? { roomId: e.roomId, seq: e.seq, frame: e.frame, data: e.data }
        : { roomId: e.roomId, seq: e.seq, frame: e.frame, data: e.data, scopes }) as never,
    );
  }
}

/** Rooms: creating, listing, topics and membership. */
export class RoomService {
  constructor(private readonly deps: ChatDeps) {}

  async create(actor: Actor, input: CreateRoomInput): Promise<RoomView> {
    if (!canWrite(actor)) throw new PermissionDeniedError('Your role or token cannot create rooms');
    const data = parseOrThrow(createRoomBody, input);
    if (await this.deps.rooms.find(data.name)) throw new ConflictError(`room #${data.name} already exists`);
    const memberIds = await this.resolveUsers(data.members);
    return this.insertRoom(actor, { name: data.name, kind: data.kind, topic: data.topic, memberIds });
  }

  /** The direct-message room between the actor and another user, created on first use. */
  async openDirect(actor: Actor, username: string): Promise<RoomView> {
    const [otherId] = await this.resolveUsers([username]);
    const pair = [actor.username, username.toLowerCase()].sort();
    const name = `dm--${pair.join('--')}`;
    const existing = await this.deps.rooms.find(name);
    if (existing) return toRoomView(existing, await this.deps.rooms.memberCount(existing.id), true);
    return this.insertRoom(actor, {
      name,
      kind: 'dm',
      topic: '',
      memberIds: otherId === actor.userId ? [] : [otherId!],
    });
  }

  list(actor: Actor): Promise<RoomView[]> {
    return this.deps.rooms.listVisible(actor.userId);
  }

  async get(actor: Actor, ref: string): Promise<RoomView> {
    const room = await this.deps.access.readable(actor, ref);
    return toRoomView(room, await this.deps.rooms.memberCount(room.id), room.isMember);
  }

  async setTopic(actor: Actor, ref: string, topic: string): Promise<RoomView> {
    const { topic: clean } = parseOrThrow(updateRoomBody, { topic });
    const room = await this.deps.access.writable(actor, ref);
    const at = this.deps.clock.now().toISOString();
    const view = toRoomView(
      { ...room, topic: clean },
      await this.deps.rooms.memberCount(room.id),
      room.isMember,
    );
    const event = await this.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('rooms').set({ topic: clean }).where('id', '=', room.id).execute();
      return appendRoomEvent(trx, { type: 'room.updated', roomId: room.id, at, data: view });
    });
    publishAll(this.deps.bus, [event]);
    return { ...view, lastSeq: event.seq };
  }

  /** Joins a public room; private rooms need an invitation from a member (or an admin). */
  async join(actor: Actor, ref: string): Promise<RoomView> {
    const room = await this.deps.rooms.find(ref);
    if (!room || room.archivedAt !== null) throw new NotFoundError('room', ref);
    if (room.kind !== 'public' && room.kind !== 'incident' && !isAdmin(actor)) {
      throw new PermissionDeniedError(`#${room.name} is private: ask a member to add you`);
    }
    await this.addMembers(room, [{ userId: actor.userId, username: actor.username }]);
    return this.get(actor, room.id);
  }

  async addMember(actor: Actor, ref: string, username: string): Promise<void> {
    const room = await this.deps.access.writable(actor, ref);
    if (!room.isMember && !isAdmin(actor))
      throw new PermissionDeniedError(`Join #${room.name} before adding people`);
    const user = await this.deps.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username', '=', username.toLowerCase())
      .executeTakeFirst();
    if (!user) throw new NotFoundError('user', username);
    await this.addMembers(room, [{ userId: user.id, username: user.username }]);
  }

  async leave(actor: Actor, ref: string): Promise<void> {
    const room = await this.deps.access.readable(actor, ref);
    if (!room.isMember) return;
    const at = this.deps.clock.now().toISOString();
    const event = await this.deps.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('roomMembers')
        .where('roomId', '=', room.id)
        .where('userId', '=', actor.userId)
        .execute();
      return appendRoomEvent(trx, {
        type: 'member.left',
        roomId: room.id,
        at,
        data: { userId: actor.userId, username: actor.username },
      });
    });
    publishAll(this.deps.bus, [event]);
  }

  async members(actor: Actor, ref: string) {
    const room = await this.deps.access.readable(actor, ref);
    return this.deps.rooms.members(room.id);
  }

  /**
   * For services that live in every room (the bot): a room's name and kind by id, and membership on
   * demand. No access check: callers are trusted components, never a request.
   */
  async describe(roomId: string): Promise<{ id: string; name: string; kind: string } | undefined> {
    const room = await this.deps.rooms.find(roomId);
    return room && { id: room.id, name: room.name, kind: room.kind };
  }

  async ensureMember(roomId: string, user: { userId: string; username: string }): Promise<void> {
    if (await this.deps.rooms.isMember(roomId, user.userId)) return;
    const room = await this.deps.rooms.find(roomId);
    if (room) await this.addMembers(room, [user]);
  }

  /** Adds people who are not yet members, one member.joined event each; returns the events. */
  async addMembers(room: RoomRow, users: { userId: string; username: string }[]): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    const events = await this.deps.db.transaction().execute(async (trx) => {
      const out: AppendedEvent<unknown>[] = [];
      for (const user of users) {
        const inserted = await trx
          .insertInto('roomMembers')
          .values({ roomId: room.id, userId: user.userId, role: 'member', joinedAt: at })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) continue;
        out.push(await appendRoomEvent(trx, { type: 'member.joined', roomId: room.id, at, data: user }));
      }
      return out;
    });
    publishAll(this.deps.bus, events);
    const last = events.at(-1);
    if (!last) return;
    const added = users.filter((u) => events.some((e) => (e.data as { userId: string }).userId === u.userId));
    const view = toRoomView(room, await this.deps.rooms.memberCount(room.id), true);
    this.announceMembers(
      { ...view, lastSeq: last.seq },
      added.map((u) => u.userId),
    );
  }

  /** Tells the people just added (on all their connections) that the room is theirs now. */
  private announceMembers(room: RoomView, userIds: string[]): void {
    if (userIds.length === 0) return;
    this.deps.bus.publish('room.members_added', { roomId: room.id, seq: room.lastSeq, userIds, room });
  }

  private async insertRoom(
    actor: Actor,
    room: { name: string; kind: string; topic: string; memberIds: string[] },
  ): Promise<RoomView> {
    const at = this.deps.clock.now().toISOString();
    const row: RoomRow = {
      id: this.deps.ids.next('r_'),
      name: room.name,
      kind: room.kind,
      topic: room.topic,
      createdBy: actor.userId,
      createdAt: at,
      archivedAt: null,
      lastSeq: 0,
    };
    const ids = [...new Set([actor.userId, ...room.memberIds])].filter((id) => id !== 'system');
    const view = toRoomView(row, ids.length, true);
    let event: AppendedEvent<RoomView>;
    try {
      event = await this.deps.db.transaction().execute(async (trx) => {
        await trx.insertInto('rooms').values(row).execute();
        for (const userId of ids) {
          await trx
            .insertInto('roomMembers')
            .values({
              roomId: row.id,
              userId,
              role: userId === actor.userId ? 'owner' : 'member',
              joinedAt: at,
            })
            .execute();
        }
        return appendRoomEvent(trx, { type: 'room.created', roomId: row.id, at, data: view });
      });
    } catch (error) {
      if (await this.deps.rooms.find(room.name)) throw new ConflictError(`room #${room.name} already exists`);
      throw error;
    }
    publishAll(this.deps.bus, [event]);
    this.announceMembers({ ...view, lastSeq: event.seq }, ids);
    return { ...view, lastSeq: event.seq };
  }

  private async resolveUsers(usernames: string[]): Promise<string[]> {
    if (usernames.length === 0) return [];
    const wanted = [...new Set(usernames.map((u) => u.toLowerCase().replace(/^@/, '')))];
    const rows = await this.deps.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username', 'in', wanted)
      .execute();
    const missing = wanted.filter((u) => !rows.some((r) => r.username === u));
    if (missing.length > 0) throw new ValidationError(`unknown user(s): ${missing.join(', ')}`);
    return wanted.map((u) => rows.find((r) => r.username === u)!.id);
  }
}
