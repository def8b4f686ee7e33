import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Actor } from '../core/actor.js';
import { asCodedError, ErrorCode, httpStatusOf, RateLimitedError, ValidationError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { ChatDomain } from '../domains/chat/index.js';
import type { PostMessageInput } from '../domains/chat/schema.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from '../runtime/metrics.js';
import {
  type ClientFrame,
  type ClientFrameId,
  echo,
  parseClientFrame,
  type ServerFrame,
  textFrame,
} from './ws-protocol.js';
import type { RoomHub, Subscriber, Subscription } from './ws-rooms.js';
import type { UpgradeCredential } from './ws-upgrade.js';

/**
 * Corks each socket written to during one turn of the event loop and uncorks them all in
 * setImmediate: however many events a turn fans out, each socket costs one writev.
 */
export class WriteBatcher {
  private corked: Duplex[] = [];
  private scheduled = false;

  write(socket: Duplex, wire: Buffer): void {
    if (socket.writableCorked === 0) {
      socket.cork();
      this.corked.push(socket);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    }
    socket.write(wire);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const sockets = this.corked;
    this.corked = [];
    for (const socket of sockets) socket.uncork();
  };
}

export interface ConnectionContext {
  chat: ChatDomain;
  hub: RoomHub;
  batcher: WriteBatcher;
  metrics: Metrics;
  logger: Logger;
  ids: IdGenerator;
  /** A client this far behind is closed with 1013 and resumes by seq, instead of growing our memory. */
  maxBufferedBytes: number;
}

const MAX_ROOMS = 500;
/** Frames a client may have waiting for an answer; a flood beyond this is refused, not queued. */
const MAX_QUEUED_OPS = 64;
/** Replay waits for the socket to drain above this, so a long replay never hits maxBufferedBytes. */
const REPLAY_HIGH_WATER = 1024 * 1024;

/**
 * One WebSocket client. Frames are answered in the order they came, except `ping`, which is answered
 * at once. All writes, replies and events alike, go through the batcher straight to the socket: the
 * `ws` Sender only queues when compressing or sending Blobs, which this gateway never does, so its
 * own control frames (ping, close) cannot interleave inside one of ours.
 */
export class Connection implements Subscriber {
  alive = true;
  private readonly rooms = new Map<string, { sub: Subscription; name: string }>();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly ctx: ConnectionContext,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    public actor: Actor,
    readonly credential: UpgradeCredential,
  ) {}

  get userId(): string {
    return this.actor.userId;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  write(wire: Buffer): void {
    if (!this.open) return;
    this.ctx.batcher.write(this.socket, wire);
    if (this.socket.writableLength > this.ctx.maxBufferedBytes) {
      this.close(1013, 'Too far behind: reconnect and subscribe with after = your last seq');
    }
  }

  writable(): Promise<void> {
    if (!this.open || this.socket.writableLength < REPLAY_HIGH_WATER) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  dropped(roomId: string, reason: string): void {
    if (this.rooms.get(roomId)?.sub.active === false) this.rooms.delete(roomId);
    this.send({ type: 'unsubscribed', rooms: [roomId], reason });
  }

  send(frame: ServerFrame): void {
    this.write(textFrame(JSON.stringify(frame)));
    this.ctx.metrics.wsFramesSent.inc();
  }

  /** Ends every subscription; the socket closes with `code` once the client answers (or times out). */
  close(code: number, reason: string): void {
    this.dispose();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(code, reason);
  }

  dispose(): void {
    for (const { sub } of this.rooms.values()) this.ctx.hub.leave(sub);
    this.rooms.clear();
  }

  onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.send({
        type: 'error',
        code: ErrorCode.Validation,
        message: 'Send frames as JSON text, not binary',
      });
      return;
    }
    const parsed = parseClientFrame(data.toString('utf8'));
    if (!parsed.ok) {
      this.send(parsed.error);
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'ping') {
      this.send({ type: 'pong', ...echo(frame.id) });
      return;
    }
    if (this.queued >= MAX_QUEUED_OPS) {
      this.fail(new RateLimitedError(1), frame.id);
      return;
    }
    this.queued++;
    this.chain = this.chain.then(async () => {
      try {
        if (this.open) await this.handle(frame);
      } catch (error) {
        this.fail(error, frame.id);
      } finally {
        this.queued--;
      }
    });
  }

  private async handle(frame: Exclude<ClientFrame, { type: 'ping' }>): Promise<void> {
    if (frame.type === 'subscribe') return this.subscribe(frame.id, frame.rooms);
    if (frame.type === 'unsubscribe') {
      const removed: string[] = [];
      for (const ref of frame.rooms) {
        const key = typeof ref === 'string' ? ref : ref.room;
        const name = key.replace(/^#/, '').toLowerCase();
        for (const [roomId, entry] of this.rooms) {
          if (roomId !== key && entry.name !== name) continue;
          this.ctx.hub.leave(entry.sub);
          this.rooms.delete(roomId);
          removed.push(roomId);
        }
      }
      return this.send({ type: 'unsubscribed', ...echo(frame.id), rooms: removed });
    }
    const input: PostMessageInput = {
      ...(frame.text === undefined ? {} : { text: frame.text }),
      ...(frame.threadId === undefined ? {} : { threadId: frame.threadId }),
      // The chat service validates the card against cardSchema, as it does for REST posts.
      ...(frame.card === undefined ? {} : { card: frame.card as PostMessageInput['card'] }),
    };
    const message = await this.ctx.chat.messages.post(this.actor, frame.room, input);
    this.send({ type: 'ack', ...echo(frame.id), messageId: message.id, seq: message.seq });
  }

  /**
   * Per room: check read access, replay what came after `after` from the database, then go live.
   * `subscribed` follows once every accepted room has caught up; refused rooms get an error each.
   */
  private async subscribe(
    id: ClientFrameId | undefined,
    wanted: { room: string; after?: number | undefined }[],
  ): Promise<void> {
    const rooms: { roomId: string; name: string; lastSeq: number }[] = [];
    for (const want of wanted) {
      try {
        const room = await this.ctx.chat.access.readable(this.actor, want.room);
        if (!this.open) return;
        const previous = this.rooms.get(room.id);
        if (!previous && this.rooms.size >= MAX_ROOMS)
          throw new ValidationError(`A connection can follow at most ${MAX_ROOMS} rooms`);
        if (previous) this.ctx.hub.leave(previous.sub);
        const lastSeq = Number(room.lastSeq);
        // An `after` beyond the room's end (say, the database was restored) would mute the room forever.
        const after = Math.min(want.after ?? lastSeq, lastSeq);
        const sub = this.ctx.hub.join(this, { id: room.id, kind: room.kind, lastSeq }, after);
        this.rooms.set(room.id, { sub, name: room.name });
        await sub.live;
        if (sub.active) rooms.push({ roomId: room.id, name: room.name, lastSeq: sub.lastSent });
      } catch (error) {
        this.fail(error, id, want.room);
      }
    }
    this.send({ type: 'subscribed', ...echo(id), rooms });
  }

  private fail(error: unknown, id: ClientFrameId | undefined, room?: string): void {
    const coded = asCodedError(error);
    const about = room === undefined ? {} : { room };
    if (httpStatusOf[coded.code] < 500) {
      this.send({ type: 'error', ...echo(id), code: coded.code, message: coded.message, ...about });
      return;
    }
    const errorId = this.ctx.ids.next('err_');
    this.ctx.logger.error({ err: error, errorId, userId: this.userId }, 'websocket operation failed');
    const message = coded.code === ErrorCode.Unavailable ? coded.message : 'Internal error';
    this.send({ type: 'error', ...echo(id), code: coded.code, message, errorId, ...about });
  }
}
