import type { Kysely } from 'kysely';
import { OPEN_KINDS } from '../domains/chat/access.js';
import { roomEventsSince } from '../domains/chat/room-stream.js';
import type { Logger } from '../runtime/logger.js';
import type { DB } from '../storage/tables.js';
import { textFrame } from './ws-protocol.js';

/** The side of a WebSocket connection the room hub writes to. */
export interface Subscriber {
  readonly userId: string;
  readonly open: boolean;
  /** Writes one ready-framed message (see textFrame). */
  write(wire: Buffer): void;
  /** Resolves once the connection has room for more (or has closed): replay paces itself by it. */
  writable(): Promise<void>;
  /** The hub ended this subscription itself (the user left a private room). */
  dropped(roomId: string, reason: string): void;
}

/** One connection's interest in one room. */
export interface Subscription {
  readonly subscriber: Subscriber;
  readonly roomId: string;
  /** Highest seq written to this connection for this room: nothing at or below it is sent again. */
  lastSent: number;
  /** While true, live events are held in `held` and written after the replay from the database. */
  replaying: boolean;
  held: { seq: number; wire: Buffer }[];
  active: boolean;
  /** Settles when the replay has caught up and the subscription is live. */
  live: Promise<void>;
}

interface RoomChannel {
  roomId: string;
  privateRoom: boolean;
  /** Every seq up to here is committed and has gone to the live subscribers, in order. */
  seq: number;
  subs: Set<Subscription>;
  /** Events that arrived ahead of a missing seq (PostgreSQL commits can be observed out of order). */
  pending: Map<number, Buffer>;
  gapTimer: NodeJS.Timeout | undefined;
}

const PAGE = 500;
/** Live events held for one replaying subscription; beyond this they are re-read from the database. */
const MAX_HELD = 10_000;
/** How long an out-of-order event waits for its predecessor before the gap is read from the database. */
const GAP_WAIT_MS = 25;

/**
 * Room fan-out with no gaps and no duplicates. Bus events go through a per-room channel that
 * delivers in seq order; each subscription replays from the database first and holds live events
 * until it has caught up. The same framed bytes go to every subscriber of a room.
 */
export class RoomHub {
  private readonly channels = new Map<string, RoomChannel>();

  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      logger: Logger;
      /** Counts frames written, once per broadcast rather than once per client. */
      onSent(frames: number): void;
    },
  ) {}

  subscriberCount(): number {
    let n = 0;
    for (const channel of this.channels.values()) n += channel.subs.size;
    return n;
  }

  /**
   * Joins a room after its read access was checked. `after` must not exceed `room.lastSeq` (read at
   * the access check): events up to there are committed, so the replay can find them.
   */
  join(
    subscriber: Subscriber,
    room: { id: string; kind: string; lastSeq: number },
    after: number,
  ): Subscription {
    let channel = this.channels.get(room.id);
    if (!channel) {
      channel = {
        roomId: room.id,
        privateRoom: !OPEN_KINDS.has(room.kind),
        seq: room.lastSeq,
        subs: new Set(),
        pending: new Map(),
        gapTimer: undefined,
      };
      this.channels.set(room.id, channel);
    }
    const sub: Subscription = {
      subscriber,
      roomId: room.id,
      lastSent: after,
      replaying: true,
      held: [],
      active: true,
      live: Promise.resolve(),
    };
    channel.subs.add(sub);
    sub.live = this.replaySafely(sub);
    return sub;
  }

  leave(sub: Subscription): void {
    sub.active = false;
    sub.held = [];
    const channel = this.channels.get(sub.roomId);
    if (!channel) return;
    channel.subs.delete(sub);
    if (channel.subs.size === 0) {
      clearTimeout(channel.gapTimer);
      this.channels.delete(sub.roomId);
    }
  }

  /** A room-stream event from the bus (published after its commit). */
  publish(roomId: string, seq: number, frame: string): void {
    const channel = this.channels.get(roomId);
    if (!channel || seq <= channel.seq) return;
    this.accept(channel, seq, textFrame(frame));
  }

  /** Someone left a room: if it is private, their subscriptions there end (after the event itself). */
  memberLeft(roomId: string, userId: string): void {
    const channel = this.channels.get(roomId);
    if (!channel?.privateRoom) return;
    for (const sub of [...channel.subs]) {
      if (sub.subscriber.userId !== userId) continue;
      this.leave(sub);
      sub.subscriber.dropped(roomId, 'You left this private room');
    }
  }

  private accept(channel: RoomChannel, seq: number, wire: Buffer): void {
    if (seq <= channel.seq) return;
    if (seq > channel.seq + 1) {
      channel.pending.set(seq, wire);
      if (channel.gapTimer === undefined)
        channel.gapTimer = setTimeout(() => void this.fillGap(channel), GAP_WAIT_MS);
      return;
    }
    this.deliver(channel, seq, wire);
    channel.seq = seq;
    for (
      let next = channel.pending.get(seq + 1);
      next !== undefined;
      next = channel.pending.get(channel.seq + 1)
    ) {
      channel.pending.delete(channel.seq + 1);
      channel.seq += 1;
      this.deliver(channel, channel.seq, next);
    }
    if (channel.pending.size === 0 && channel.gapTimer !== undefined) {
      clearTimeout(channel.gapTimer);
      channel.gapTimer = undefined;
    }
  }

  /** The hot path: the same bytes to every live subscriber. */
  private deliver(channel: RoomChannel, seq: number, wire: Buffer): void {
    let sent = 0;
    for (const sub of channel.subs) {
      if (sub.replaying) {
        if (sub.held.length >= MAX_HELD) sub.held = []; // the replay loop re-reads them from the database
        sub.held.push({ seq, wire });
      } else if (seq === sub.lastSent + 1) {
        sub.subscriber.write(wire);
        sub.lastSent = seq;
        sent++;
      } else if (seq > sub.lastSent + 1) {
        // Cannot happen while the channel is in order; if it does, recover from the database.
        sub.replaying = true;
        sub.held = [{ seq, wire }];
        sub.live = this.replaySafely(sub);
      }
    }
    if (sent > 0) this.deps.onSent(sent);
  }

  /** A later seq arrived but an earlier one did not: it is committed, so read it back. */
  private async fillGap(channel: RoomChannel): Promise<void> {
    channel.gapTimer = undefined;
    if (channel.pending.size === 0 || this.channels.get(channel.roomId) !== channel) return;
    const upTo = Math.max(...channel.pending.keys());
    try {
      const rows = await roomEventsSince(this.deps.db, channel.roomId, channel.seq, upTo - channel.seq);
      for (const row of rows) this.accept(channel, row.seq, textFrame(row.frame));
    } catch (error) {
      this.deps.logger.error({ err: error, roomId: channel.roomId }, 'websocket gap fill failed');
    }
    if (
      channel.pending.size > 0 &&
      channel.gapTimer === undefined &&
      this.channels.get(channel.roomId) === channel
    )
      channel.gapTimer = setTimeout(() => void this.fillGap(channel), GAP_WAIT_MS);
  }

  /** A replay that fails (the database is away) ends the subscription and tells the client so. */
  private async replaySafely(sub: Subscription): Promise<void> {
    try {
      await this.replay(sub);
    } catch (error) {
      this.deps.logger.error({ err: error, roomId: sub.roomId }, 'websocket replay failed');
      if (!sub.active) return;
      this.leave(sub);
      sub.subscriber.dropped(sub.roomId, 'Replay from the database failed; subscribe again with after');
    }
  }

  /**
   * Sends what the database has after `lastSent`, page by page, then what was held meanwhile, skipping
   * anything already sent; then the subscription is live. Everything after the last await is
   * synchronous, so no bus event can slip between the replay and going live.
   */
  private async replay(sub: Subscription): Promise<void> {
    const { subscriber } = sub;
    for (;;) {
      await subscriber.writable();
      if (!sub.active || !subscriber.open) return;
      const rows = await roomEventsSince(this.deps.db, sub.roomId, sub.lastSent, PAGE);
      if (!sub.active || !subscriber.open) return;
      let sent = 0;
      for (const row of rows) {
        if (row.seq <= sub.lastSent) continue;
        subscriber.write(textFrame(row.frame));
        sub.lastSent = row.seq;
        sent++;
      }
      if (sent > 0) this.deps.onSent(sent);
      if (rows.length === PAGE) continue;
      const held = sub.held;
      let i = 0;
      while (i < held.length && held[i]!.seq <= sub.lastSent) i++;
      // Held events start past what the database showed us: read again rather than leave a gap.
      if (i < held.length && held[i]!.seq !== sub.lastSent + 1) {
        sub.held = held.slice(i);
        continue;
      }
      sent = 0;
      for (; i < held.length; i++) {
        const event = held[i]!;
        if (event.seq !== sub.lastSent + 1) continue;
        subscriber.write(event.wire);
        sub.lastSent = event.seq;
        sent++;
      }
      if (sent > 0) this.deps.onSent(sent);
      sub.held = [];
      sub.replaying = false;
      return;
    }
  }
}
