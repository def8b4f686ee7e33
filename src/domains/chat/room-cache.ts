import type { EventBus } from '../../runtime/event-bus.js';
import { ROOM_STREAM_EVENTS } from './events.js';
import type { RoomRow } from './room-store.js';

/** Past this many rooms or memberships the cache starts over rather than grow without bound. */
const MAX_ENTRIES = 50_000;

/**
 * Room rows and memberships as last read, so checking who may post where costs no query. Every change
 * to them goes through the chat services, which publish a room-stream event once it is committed:
 * `room.updated` and `member.joined`/`member.left` drop what they change, and every event's `seq`
 * keeps `lastSeq` current. A write by another connection (an offline CLI beside the server) changes
 * the database's data version, which empties the cache. Without a data version (PostgreSQL) nothing
 * is cached.
 *
 * A read that was in flight while something changed is not stored: every drop moves `epoch` on, and a
 * row read under an older epoch may predate the change.
 */
export class RoomCache {
  private readonly rooms = new Map<string, RoomRow>();
  private readonly idByName = new Map<string, string>();
  /** roomId → userId → member? */
  private readonly members = new Map<string, Map<string, boolean>>();
  private memberEntries = 0;
  /** The highest seq published per room: a cached row's lastSeq is never behind it. */
  private readonly seqs = new Map<string, number>();
  private version: number | undefined;
  epoch = 0;

  constructor(private readonly dataVersion: (() => number) | undefined) {}

  /** Follows the room stream; returns the unsubscribe function. */
  attach(bus: EventBus): () => void {
    const off = ROOM_STREAM_EVENTS.map((type) =>
      bus.subscribe(type, (event) => {
        const { roomId, seq, data } = event.payload as { roomId: string; seq: number; data: unknown };
        if (this.seqs.size >= MAX_ENTRIES) this.clear();
        if (seq > (this.seqs.get(roomId) ?? 0)) this.seqs.set(roomId, seq);
        if (type === 'room.created' || type === 'room.updated') this.dropRoom(roomId);
        else if (type === 'member.joined' || type === 'member.left')
          this.dropMember(roomId, (data as { userId: string }).userId);
      }),
    );
    return () => {
      for (const unsubscribe of off) unsubscribe();
    };
  }

  /** By id, or else by name (`name`: without '#', lower case). */
  room(ref: string, name: string): RoomRow | undefined {
    if (!this.fresh()) return undefined;
    const row = this.rooms.get(ref) ?? this.rooms.get(this.idByName.get(name) ?? '');
    if (row === undefined) return undefined;
    const seq = this.seqs.get(row.id) ?? 0;
    return seq > row.lastSeq ? { ...row, lastSeq: seq } : { ...row };
  }

  /** Stores a row read when the epoch was `epoch`, unless something changed since. */
  putRoom(row: RoomRow, epoch: number): void {
    if (epoch !== this.epoch || !this.fresh()) return;
    if (this.rooms.size >= MAX_ENTRIES) this.clear();
    this.rooms.set(row.id, { ...row, lastSeq: Number(row.lastSeq) });
    this.idByName.set(row.name, row.id);
  }

  member(roomId: string, userId: string): boolean | undefined {
    if (!this.fresh()) return undefined;
    return this.members.get(roomId)?.get(userId);
  }

  putMember(roomId: string, userId: string, isMember: boolean, epoch: number): void {
    if (epoch !== this.epoch || !this.fresh()) return;
    if (this.memberEntries >= MAX_ENTRIES) this.clear();
    let users = this.members.get(roomId);
    if (users === undefined) {
      users = new Map();
      this.members.set(roomId, users);
    }
    if (!users.has(userId)) this.memberEntries++;
    users.set(userId, isMember);
  }

  /** True when caching is on; empties the cache first if another connection wrote meanwhile. */
  private fresh(): boolean {
    if (this.dataVersion === undefined) return false;
    const version = this.dataVersion();
    if (version !== this.version) {
      this.clear();
      this.version = version;
    }
    return true;
  }

  private dropRoom(roomId: string): void {
    this.epoch++;
    const row = this.rooms.get(roomId);
    if (row !== undefined) this.idByName.delete(row.name);
    this.rooms.delete(roomId);
    const users = this.members.get(roomId);
    if (users !== undefined) this.memberEntries -= users.size;
    this.members.delete(roomId);
  }

  private dropMember(roomId: string, userId: string): void {
    this.epoch++;
    if (this.members.get(roomId)?.delete(userId)) this.memberEntries--;
  }

  private clear(): void {
    this.epoch++;
    this.rooms.clear();
    this.idByName.clear();
    this.members.clear();
    this.memberEntries = 0;
    this.seqs.clear();
  }
}
