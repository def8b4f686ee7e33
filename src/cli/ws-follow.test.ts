import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { CodedError, ErrorCode } from '../core/errors.js';
import type { RoomEventFrame } from './client.js';
import { errorFromResponse } from './http-client.js';
import { followOverWebSocket, type WsFollowTarget } from './ws-follow.js';

const frame = (seq: number): RoomEventFrame => ({
  type: 'event',
  event: 'message.created',
  roomId: 'r_1',
  seq,
  at: '2024-05-01T12:00:00.000Z',
  data: { id: `m_${seq}`, username: 'alice', text: `message ${seq}` },
});

/**
 * A real WebSocket server speaking the gateway's protocol, scripted per connection: what it sends
 * after `subscribed`, and whether it then drops the connection.
 */
class ScriptedGateway {
  readonly server: Server = createServer((_req, res) => res.writeHead(404).end());
  readonly subscriptions: { after: number; authorization: string | undefined }[] = [];
  script: ((after: number) => { frames: unknown[]; drop: boolean })[] = [];
  private readonly wss = new WebSocketServer({ server: this.server, path: '/api/ws' });

  constructor() {
    this.wss.on('connection', (socket, request) => {
      socket.on('message', (raw) => {
        const message = JSON.parse(raw.toString()) as { type: string; rooms: { after: number }[] };
        if (message.type !== 'subscribe') return;
        const after = message.rooms[0]!.after;
        this.subscriptions.push({ after, authorization: request.headers.authorization });
        const step = this.script.shift() ?? (() => ({ frames: [], drop: false }));
        const { frames, drop } = step(after);
        socket.send(JSON.stringify({ type: 'subscribed', id: '1' }));
        for (const f of frames) socket.send(JSON.stringify(f));
        if (drop) socket.terminate();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `ws://127.0.0.1:${(this.server.address() as { port: number }).port}/api/ws`;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function target(url: string, overrides: Partial<WsFollowTarget> = {}): WsFollowTarget {
  return {
    url,
    token: 'opr_test-token',
    roomId: 'r_1',
    connectionError: (cause) =>
      Object.assign(new CodedError(ErrorCode.Unavailable, 'cannot reach'), { cause }),
    httpError: (status, body) => errorFromResponse(status, body === '' ? undefined : JSON.parse(body)),
    fetchPage: async () => {
      throw new Error('no polling expected');
    },
    ...overrides,
  };
}

describe('following a room over the WebSocket', () => {
  let gateway: ScriptedGateway;
  let url: string;
  before(async () => {
    gateway = new ScriptedGateway();
    url = await gateway.listen();
  });
  after(() => gateway.close());

  test('resumes after a dropped connection from the last seq it saw, without repeats', async () => {
    gateway.script = [
      () => ({ frames: [frame(1), frame(2)], drop: true }),
      // The replay overlaps what the client already has (seq 2); it must not be printed twice.
      () => ({ frames: [frame(2), frame(3), { ...frame(9), roomId: 'r_other' }], drop: false }),
    ];
    const stop = new AbortController();
    const seen: number[] = [];
    const notices: string[] = [];
    let live = 0;
    for await (const f of followOverWebSocket(target(url), {
      after: 0,
      signal: stop.signal,
      onLive: () => live++,
      onNotice: (text) => notices.push(text),
    })) {
      seen.push(f.seq);
      if (f.seq === 3) stop.abort();
    }
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(
      gateway.subscriptions.slice(-2).map((s) => s.after),
      [0, 2],
    );
    assert.equal(gateway.subscriptions.at(-1)!.authorization, 'Bearer opr_test-token');
    assert.equal(live, 2);
    assert.ok(
      notices.some((n) => /connection lost; reconnecting \(resuming after seq 2\)/.test(n)),
      notices.join(),
    );
  });

  test('a subscription the server ends itself is taken up again', async () => {
    gateway.script = [
      () => ({
        frames: [frame(1), { type: 'unsubscribed', rooms: ['r_1'], reason: 'Replay failed' }],
        drop: false,
      }),
      () => ({ frames: [frame(2)], drop: false }),
    ];
    const stop = new AbortController();
    const seen: number[] = [];
    const notices: string[] = [];
    for await (const f of followOverWebSocket(target(url), {
      after: 0,
      signal: stop.signal,
      onNotice: (text) => notices.push(text),
    })) {
      seen.push(f.seq);
      if (f.seq === 2) stop.abort();
    }
    assert.deepEqual(seen, [1, 2]);
    assert.equal(gateway.subscriptions.at(-1)!.after, 1);
    assert.ok(notices.includes('server: Replay failed'), notices.join());
  });

  test('an error frame that retrying cannot fix ends the follow with its code', async () => {
    gateway.script = [
      () => ({
        frames: [{ type: 'error', code: 'E_PERMISSION_DENIED', message: 'not a member' }],
        drop: false,
      }),
    ];
    const follow = followOverWebSocket(target(url), { after: 0, signal: new AbortController().signal });
    await assert.rejects(
      async () => {
        for await (const _ of follow) {
          // nothing arrives before the error
        }
      },
      (error: unknown) => error instanceof CodedError && error.code === 'E_PERMISSION_DENIED',
    );
  });

  test('a refused upgrade maps to the REST error; 404 falls back to polling', async () => {
    const refusing = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'E_UNAUTHENTICATED', message: 'token revoked' } }));
    });
    refusing.on('upgrade', (req, socket) => {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n' +
          JSON.stringify({ error: { code: 'E_UNAUTHENTICATED', message: 'token revoked' } }),
      );
      req.resume();
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const port = (refusing.address() as { port: number }).port;
    try {
      const follow = followOverWebSocket(target(`ws://127.0.0.1:${port}/api/ws`), {
        after: 0,
        signal: new AbortController().signal,
      });
      await assert.rejects(async () => {
        for await (const _ of follow) {
          // refused before anything arrives
        }
      }, /token revoked/);
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }

    // A server without a WebSocket endpoint (no 'upgrade' listener) answers the upgrade as a request.
    const plain = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const plainUrl = `ws://127.0.0.1:${(plain.address() as { port: number }).port}/api/ws`;
    const stop = new AbortController();
    const polled: number[] = [];
    const noEndpoint = target(plainUrl, {
      fetchPage: async (after) => ({
        roomId: 'r_1',
        lastSeq: 5,
        events: [frame(4), frame(5)].filter((f) => f.seq > after),
      }),
    });
    for await (const f of followOverWebSocket(noEndpoint, { after: 3, signal: stop.signal })) {
      polled.push(f.seq);
      if (f.seq === 5) stop.abort();
    }
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    assert.deepEqual(polled, [4, 5]);
  });
});
