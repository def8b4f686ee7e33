// The WebSocket gateway client: one socket, every joined room subscribed with the last seq seen, so
// a reconnect replays exactly what was missed. Reconnects by itself with backoff.
import type { EventFrame, RoomsChangedFrame } from './types.js';

export type SocketStatus = 'connecting' | 'open' | 'reconnecting';

export interface RealtimeHandlers {
  /** The rooms to follow and the last seq the app holds for each (0: nothing yet). */
  cursors(): Map<string, number>;
  onEvent(frame: EventFrame): void;
  /** Added to a room (or left one in another tab): sent whether or not the room is followed. */
  onRoomsChanged(frame: RoomsChangedFrame): void;
  onStatus(status: SocketStatus): void;
  /** The server closed with 1008: the session ended. */
  onSessionEnded(): void;
}

const PING_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 10_000;
const ROOMS_PER_FRAME = 100;

export class Realtime {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private subscribed = new Set<string>();
  private everOpen = false;

  constructor(private readonly handlers: RealtimeHandlers) {}

  start(): void {
    this.stopped = false;
    this.connect();
    window.addEventListener('online', this.reconnectNow);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.reconnectNow);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.retryTimer);
    this.clearHeartbeat();
    this.socket?.close(1000);
    this.socket = null;
  }

  /** Subscribes rooms not yet followed (after a join, or opening a public room). */
  follow(roomIds: Iterable<string>): void {
    const cursors = this.handlers.cursors();
    const fresh = [...roomIds].filter((id) => !this.subscribed.has(id));
    if (fresh.length === 0 || this.socket?.readyState !== WebSocket.OPEN) return;
    this.subscribe(fresh.map((id) => ({ room: id, after: cursors.get(id) ?? 0 })));
  }

  unfollow(roomId: string): void {
    this.subscribed.delete(roomId);
    if (this.socket?.readyState === WebSocket.OPEN)
      this.socket.send(JSON.stringify({ type: 'unsubscribe', rooms: [roomId] }));
  }

  private readonly reconnectNow = (): void => {
    if (this.stopped || this.socket?.readyState === WebSocket.OPEN) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  };

  private readonly onVisible = (): void => {
    if (document.visibilityState === 'visible') this.reconnectNow();
  };

  private connect(): void {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    if (this.attempt === 0) this.handlers.onStatus(this.everOpen ? 'reconnecting' : 'connecting');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.subscribed.clear();
    socket.onopen = () => {
      this.attempt = 0;
      this.everOpen = true;
      this.handlers.onStatus('open');
      const rooms = [...this.handlers.cursors()].map(([room, after]) => ({ room, after }));
      this.subscribe(rooms);
      this.startHeartbeat();
    };
    socket.onmessage = (ev) => this.onFrame(String(ev.data));
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearHeartbeat();
      if (ev.code === 1008) {
        this.handlers.onStatus('reconnecting');
        this.handlers.onSessionEnded();
        return;
      }
      if (!this.stopped) this.scheduleReconnect();
    };
  }

  private subscribe(rooms: { room: string; after: number }[]): void {
    for (let i = 0; i < rooms.length; i += ROOMS_PER_FRAME) {
      const chunk = rooms.slice(i, i + ROOMS_PER_FRAME);
      for (const r of chunk) this.subscribed.add(r.room);
      this.socket?.send(JSON.stringify({ type: 'subscribe', rooms: chunk }));
    }
  }

  private onFrame(text: string): void {
    let frame: { type?: string; [key: string]: unknown };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.type === 'event') this.handlers.onEvent(frame as unknown as EventFrame);
    else if (frame.type === 'rooms.changed')
      this.handlers.onRoomsChanged(frame as unknown as RoomsChangedFrame);
    else if (frame.type === 'pong') clearTimeout(this.pongTimer);
    else if (frame.type === 'error' && typeof frame.room === 'string') this.subscribed.delete(frame.room);
  }

  private scheduleReconnect(): void {
    this.handlers.onStatus('reconnecting');
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private startHeartbeat(): void {
    this.clearHeartbeat();
    this.pingTimer = setInterval(() => {
      if (this.socket?.readyState !== WebSocket.OPEN) return;
      this.socket.send(JSON.stringify({ type: 'ping' }));
      // A socket that stops answering (a sleeping laptop, a dropped NAT entry) is replaced.
      this.pongTimer = setTimeout(() => this.socket?.close(4000), PONG_TIMEOUT_MS);
    }, PING_MS);
  }

  private clearHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
