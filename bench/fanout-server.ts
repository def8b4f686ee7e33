// The two servers of the fan-out benchmark, each run in its own process so the load generator never
// shares their event loop: `node --import tsx bench/fanout-server.ts bare|opsroom`. Prints one JSON
// line ({ postUrl, wsUrl, headers, subscribe? }) once it is listening; exits when stdin closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { opsroomCode } from './opsroom-code.js';

// Opsroom as installed (dist/; `--src` for the sources): see opsroom-code.ts.
const { buildApp, configSchema, SYSTEM_ACTOR } = await opsroomCode();

export interface FanoutTarget {
  postUrl: string;
  wsUrl: string;
  headers: Record<string, string>;
  /** A frame to send after connecting, and a marker of the reply that says it took effect. */
  subscribe?: { frame: string; ackMarker: string };
}

/**
 * The ceiling: a bare `ws` broadcast server with no persistence. Each post is forwarded to every
 * client, serialised once per send, as a typical hand-written broadcast loop does.
 */
async function bare(): Promise<FanoutTarget> {
  let seq = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/post') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const data = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      const event = { type: 'event', seq: ++seq, at: new Date().toISOString(), data };
      for (const client of wss.clients) client.send(JSON.stringify(event));
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ seq }));
    });
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { postUrl: `http://127.0.0.1:${port}/post`, wsUrl: `ws://127.0.0.1:${port}/`, headers: {} };
}

/** Opsroom as shipped: SQLite on a temporary data dir, every message persisted before it is fanned out. */
async function opsroom(): Promise<FanoutTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-fanout-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    storage: { dataDir },
    log: { level: 'silent' },
  });
  const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
  await app.identity.createUser(SYSTEM_ACTOR, { username: 'bench', roles: ['admin'] });
  const { token } = await app.identity.createToken(SYSTEM_ACTOR, {
    username: 'bench',
    name: 'fanout',
    scopes: ['read', 'write', 'admin'],
  });
  const actor = (await app.identity.authenticateToken(token, 'api'))!;
  const room = await app.chat.rooms.create(actor, { name: 'fanout' });
  const base = await app.start();
  return {
    postUrl: `${base}/api/rooms/${room.id}/messages`,
    wsUrl: `${base.replace(/^http/, 'ws')}/api/ws`,
    headers: { authorization: `Bearer ${token}` },
    subscribe: {
      frame: JSON.stringify({ type: 'subscribe', id: 's', rooms: [{ room: room.id }] }),
      ackMarker: '"type":"subscribed"',
    },
  };
}

const role = process.argv[2];
if (role === 'bare' || role === 'opsroom') {
  const target = role === 'bare' ? await bare() : await opsroom();
  process.stdout.write(`${JSON.stringify(target)}\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
