import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Kysely } from 'kysely';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { asCodedError, CodedError, ErrorCode, httpStatusOf } from '../core/errors.js';
import type { EventEnvelope } from '../core/events.js';
import type { IdGenerator } from '../core/ids.js';
import type { ChatDomain } from '../domains/chat/index.js';
import type { IdentityService } from '../domains/identity/service.js';
import type { EventBus } from '../runtime/event-bus.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from '../runtime/metrics.js';
import type { DB } from '../storage/tables.js';
import { Connection, type ConnectionContext, WriteBatcher } from './ws-connection.js';
import type { ServerFrame } from './ws-protocol.js';
import { RoomHub } from './ws-rooms.js';
import { actorFor, authenticateUpgrade, notFound, rejectUpgrade } from './ws-upgrade.js';

export const WEBSOCKET_PATH = '/api/ws';

export interface WebSocketGatewayDeps {
  server: Server;
  identity: IdentityService;
  chat: ChatDomain;
  db: Kysely<DB>;
  bus: EventBus;
  metrics: Metrics;
  logger: Logger;
  ids: IdGenerator;
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  maxPayloadBytes?: number;
  /** How long close() waits for clients to answer the close frame before cutting them off. */
  closeGraceMs?: number;
}

export interface WebSocketGateway {
  /** Closes every connection with 1001 (going away) and stops taking new ones. */
  close(): Promise<void>;
  connections(): number;
}

interface RoomStreamPayload {
  roomId: string;
  seq: number;
  frame: string;
  data: unknown;
}

/** Any event that belongs to a room's stream carries its frame: those are what subscribers get. */
function roomStreamPayload(event: EventEnvelope): RoomStreamPayload | undefined {
  const p = event.payload as Partial<RoomStreamPayload> | undefined;
  return typeof p?.frame === 'string' && typeof p.roomId === 'string' && typeof p.seq === 'number'
    ? (p as RoomStreamPayload)
    : undefined;
}

/**
 * The realtime API: a WebSocket at /api/ws on the HTTP server, authenticated on upgrade. Clients
 * subscribe to rooms, resume with the last seq they saw, and get every room event exactly once and
 * in order (protocol in ws-protocol.ts, ordering in ws-rooms.ts).
 */
export function attachWebSocketGateway(deps: WebSocketGatewayDeps): WebSocketGateway {
  const { logger, metrics } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    // Off: compression would deflate each event once per client and queue sends inside `ws`.
    perMessageDeflate: false,
    maxPayload: deps.maxPayloadBytes ?? 64 * 1024,
  });
  const hub = new RoomHub({ db: deps.db, logger, onSent: (n) => metrics.wsFramesSent.inc(n) });
  const context: ConnectionContext = {
    chat: deps.chat,
    hub,
    batcher: new WriteBatcher(),
    metrics,
    logger,
    ids: deps.ids,
    maxBufferedBytes: deps.maxBufferedBytes ?? 8 * 1024 * 1024,
  };
  const connections = new Set<Connection>();
  let closing = false;

  const recheck = (conn: Connection): Promise<void> =>
    actorFor(deps.identity, conn.credential).then(
      (actor) => {
        if (actor) conn.actor = actor;
        else conn.close(1008, 'E_UNAUTHENTICATED: the token or session is no longer valid');
      },
      (error: unknown) => logger.warn({ err: error }, 'websocket re-authentication failed'),
    );

  /** A frame for these people only, on each of their connections. */
  const toUsers = (userIds: string[], frame: ServerFrame): void => {
    const wanted = new Set(userIds);
    for (const conn of connections) if (wanted.has(conn.userId)) conn.send(frame);
  };

  const stopBus = deps.bus.subscribeAll((event) => {
    const payload = roomStreamPayload(event);
    if (payload) {
      hub.publish(payload.roomId, payload.seq, payload.frame);
      if (event.type === 'member.left') {
        const userId = (payload.data as { userId: string }).userId;
        hub.memberLeft(payload.roomId, userId);
        // The person's other tabs and devices drop the room from their list too.
        toUsers([userId], {
          type: 'rooms.changed',
          reason: 'removed',
          roomId: payload.roomId,
          seq: payload.seq,
        });
      }
      return;
    }
    // Someone added to a room hears it on every connection, subscribed to that room or not.
    if (event.type === 'room.members_added') {
      const { roomId, seq, userIds, room } = (event as EventEnvelope<'room.members_added'>).payload;
      toUsers(userIds, { type: 'rooms.changed', reason: 'added', roomId, seq, room });
      return;
    }
    // A revoked token or a change of roles takes effect on open connections now, not at the next beat.
    if (event.type === 'token.revoked' || event.type === 'user.roles_changed') {
      const userId = (event.payload as { userId: string }).userId;
      for (const conn of connections) if (conn.userId === userId) void recheck(conn);
    }
  });

  const accept = (ws: WebSocket, socket: Duplex, auth: Awaited<ReturnType<typeof authenticateUpgrade>>) => {
    const conn = new Connection(context, ws, socket, auth.actor, auth.credential);
    connections.add(conn);
    metrics.wsConnections.inc();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Without a binaryType set, `ws` hands over one Buffer per message.
      conn.onMessage(data as Buffer, isBinary);
    });
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('error', (error: Error) => logger.debug({ err: error }, 'websocket error'));
    ws.on('close', () => {
      connections.delete(conn);
      conn.dispose();
      metrics.wsConnections.dec();
    });
  };

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    // Until `ws` takes the socket over, an abrupt client reset must not become an uncaught error.
    const early = (error: Error) => logger.debug({ err: error }, 'websocket upgrade socket error');
    socket.on('error', early);
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WEBSOCKET_PATH) return rejectUpgrade(socket, notFound(url.pathname));
    try {
      if (closing) throw new CodedError(ErrorCode.Unavailable, 'The server is shutting down');
      const auth = await authenticateUpgrade(deps.identity, request, url);
      if (closing) throw new CodedError(ErrorCode.Unavailable, 'The server is shutting down');
      if (socket.destroyed) return;
      wss.handleUpgrade(request, socket, head, (ws) => {
        socket.off('error', early);
        accept(ws, socket, auth);
      });
    } catch (error) {
      const coded = asCodedError(error);
      let errorId: string | undefined;
      if (httpStatusOf[coded.code] >= 500) {
        errorId = deps.ids.next('err_');
        logger.error({ err: error, errorId }, 'websocket upgrade failed');
      }
      rejectUpgrade(socket, coded, errorId);
    }
  };
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    void upgrade(request, socket, head);
  deps.server.on('upgrade', onUpgrade);

  /**
   * Pings find connections that died without a FIN; each beat also re-checks every credential. One
   * connection at a time, with a turn of the event loop between them: all at once, 100 connections'
   * ping writes and token look-ups held every other frame up for 10-20 ms in one burst.
   */
  let beating = false;
  const beat = async (): Promise<void> => {
    if (beating) return;
    beating = true;
    try {
      for (const conn of [...connections]) {
        if (closing) return;
        if (!conn.alive) {
          conn.ws.terminate();
        } else {
          conn.alive = false;
          conn.ws.ping();
          if (conn.open) await recheck(conn);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      beating = false;
    }
  };
  const heartbeat = setInterval(() => void beat(), deps.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    connections: () => connections.size,
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      stopBus(); // upgrades that still arrive are answered 503 by the listener, not dropped
      const open = [...connections];
      const gone = Promise.all(
        open.map((conn) => new Promise<void>((resolve) => conn.ws.once('close', () => resolve()))),
      );
      for (const conn of open) conn.close(1001, 'The server is shutting down');
      const grace = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), deps.closeGraceMs ?? 2000).unref(),
      );
      if ((await Promise.race([gone, grace])) === 'timeout') for (const conn of open) conn.ws.terminate();
      await gone;
    },
  };
}
