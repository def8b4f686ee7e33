import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { CodedError, ErrorCode } from '../core/errors.js';
import type { RoomEventFrame, RoomEvents, TailOptions } from './client.js';
import { AsyncQueue, pollEvents, sleep } from './follow.js';

/** Error codes in a WebSocket `error` frame that retrying cannot fix. */
const FATAL_CODES = new Set<string>([
  ErrorCode.Unauthenticated,
  ErrorCode.PermissionDenied,
  ErrorCode.NotFound,
  ErrorCode.Validation,
]);
const PING_EVERY_MS = 20_000;
const MAX_BACKOFF_MS = 5_000;

type SessionItem =
  | { kind: 'frame'; frame: Record<string, unknown> }
  | { kind: 'rejected'; status: number; body: string }
  | { kind: 'failed'; error: Error };

export interface WsFollowTarget {
  /** ws:// or wss:// URL of `/api/ws`. */
  url: string;
  token: string;
  roomId: string;
  /** Turns a failed connection into the same error the REST client would throw. */
  connectionError(cause: unknown): CodedError;
  /** Turns a refused upgrade into the REST client's error for that status. */
  httpError(status: number, body: string): CodedError;
  /** The REST fallback for servers without a WebSocket endpoint. */
  fetchPage(after: number, limit: number): Promise<RoomEvents>;
}

/**
 * Follows one room over the WebSocket API. After a disconnect it reconnects with backoff and
 * subscribes again with `after` = the last sequence number it saw, so nothing is lost or repeated.
 * A server that answers the upgrade with 404 has no WebSocket endpoint: then it polls over REST.
 */
export async function* followOverWebSocket(
  target: WsFollowTarget,
  options: TailOptions,
): AsyncGenerator<RoomEventFrame> {
  let after = options.after;
  let everLive = false;
  let attempt = 0;
  while (!options.signal.aborted) {
    let failure: Error | undefined;
    for await (const item of session(target, after, options.signal)) {
      if (item.kind === 'rejected') {
        if (item.status === 404) {
          options.onNotice?.('the server has no WebSocket endpoint; polling for new events instead');
          yield* pollEvents(target.fetchPage, { ...options, after });
          return;
        }
        const error = target.httpError(item.status, item.body);
        if (error.code !== ErrorCode.Unavailable && error.code !== ErrorCode.Internal) throw error;
        failure = error;
        continue;
      }
      if (item.kind === 'failed') {
        failure = item.error;
        continue;
      }
      const frame = item.frame;
      if (frame.type === 'subscribed') {
        if (attempt > 0) options.onNotice?.(`reconnected; resuming after seq ${after}`);
        attempt = 0;
        everLive = true;
        options.onLive?.();
      } else if (frame.type === 'error') {
        const code = String(frame.code ?? ErrorCode.Internal);
        const message = String(frame.message ?? 'error from the server');
        if (FATAL_CODES.has(code)) throw new CodedError(code as ErrorCode, message);
        options.onNotice?.(`server: ${message}`);
      } else if (frame.type === 'unsubscribed' && frame.id === undefined) {
        // The server ended the subscription itself (a failed replay, leaving a private room).
        // Subscribing again either resumes or answers with the error that explains why not.
        options.onNotice?.(`server: ${String(frame.reason ?? 'unsubscribed')}`);
        break;
      } else if (frame.type === 'event' && typeof frame.seq === 'number' && frame.roomId === target.roomId) {
        // Replayed frames can overlap what was already printed before a reconnect.
        if (frame.seq <= after) continue;
        after = frame.seq;
        yield frame as unknown as RoomEventFrame;
      }
    }
    if (options.signal.aborted) return;
    // Never connected at all: the server is down or the URL is wrong. Say so instead of spinning.
    if (!everLive) throw failure instanceof CodedError ? failure : target.connectionError(failure);
    attempt++;
    const wait = Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt);
    if (attempt === 1) options.onNotice?.(`connection lost; reconnecting (resuming after seq ${after})…`);
    await sleep(wait, options.signal);
  }
}

/** One connection: yields what arrives until it closes; closing the generator closes the socket. */
async function* session(
  target: WsFollowTarget,
  after: number,
  signal: AbortSignal,
): AsyncGenerator<SessionItem> {
  const queue = new AsyncQueue<SessionItem>();
  const ws = new WebSocket(target.url, {
    headers: { authorization: `Bearer ${target.token}` },
    handshakeTimeout: 10_000,
  });
  let pong = true;
  const pinger = setInterval(() => {
    // No pong since the last ping: the connection is dead without having said so.
    if (!pong) return ws.terminate();
    pong = false;
    ws.ping();
  }, PING_EVERY_MS);
  const onAbort = () => queue.end();
  signal.addEventListener('abort', onAbort, { once: true });
  ws.on('pong', () => {
    pong = true;
  });
  ws.on('unexpected-response', (_req, res: IncomingMessage) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < 64_000) body += chunk;
    });
    res.on('end', () => {
      queue.push({ kind: 'rejected', status: res.statusCode ?? 0, body });
      queue.end();
    });
    res.on('error', () => queue.end());
  });
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'subscribe', id: '1', rooms: [{ room: target.roomId, after }] }));
  });
  ws.on('message', (data: WebSocket.RawData) => {
    try {
      const frame = JSON.parse(data.toString()) as unknown;
      if (frame && typeof frame === 'object')
        queue.push({ kind: 'frame', frame: frame as Record<string, unknown> });
    } catch {
      // Not JSON: not ours to interpret.
    }
  });
  ws.on('error', (error: Error) => queue.push({ kind: 'failed', error }));
  ws.on('close', () => queue.end());
  try {
    yield* queue;
  } finally {
    clearInterval(pinger);
    signal.removeEventListener('abort', onAbort);
    ws.removeAllListeners('unexpected-response');
    ws.on('error', () => {}); // terminate() during the handshake emits one last error
    ws.terminate();
  }
}
