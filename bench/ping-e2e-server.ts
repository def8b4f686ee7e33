// The two servers of the ping benchmark, each in its own process so the clients never share their
// event loop: `node --import tsx bench/ping-e2e-server.ts opsroom|bare <users>`. Prints one JSON line
// (PingTarget) once it is listening; exits when stdin closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { opsroomCode } from './opsroom-code.js';

// Opsroom as installed (dist/; `--src` for the sources): see opsroom-code.ts.
const { buildApp, configSchema, SYSTEM_ACTOR } = await opsroomCode();

/** Where each simulated user connects, with what credential, and the room it pings in. */
export interface PingTarget {
  wsUrl: string;
  users: { headers: Record<string, string>; room: string }[];
  /** The bot's user id: a reply is an event frame whose message comes from it. */
  botUserId: string;
}

/**
 * The floor: a bare `ws` server that parses each frame and answers with an event frame in the same
 * shape, with no persistence and no bot. What is left is loopback, framing and JSON.
 */
async function bare(users: number): Promise<PingTarget> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  let seq = 0;
  wss.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { id?: unknown; room?: string; text?: string };
      socket.send(JSON.stringify({ type: 'ack', id: frame.id, seq: ++seq }));
      const at = new Date().toISOString();
      const data = { id: `m_${seq}`, roomId: frame.room, userId: 'bot', text: 'pong (up 1s)', createdAt: at };
      socket.send(
        JSON.stringify({ type: 'event', event: 'message.created', roomId: frame.room, seq, at, data }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    wsUrl: `ws://127.0.0.1:${port}/`,
    users: Array.from({ length: users }, (_, i) => ({ headers: {}, room: `r${i}` })),
    botUserId: 'bot',
  };
}

/**
 * Opsroom as shipped, on SQLite in a temporary data dir, with its default configuration (the per-user
 * command rate limit included). Each simulated user has a token and a room of their own, subscribed
 * over the socket, so a user's socket carries only its own messages and the bot's replies to them.
 */
async function opsroom(users: number): Promise<PingTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-ping-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    storage: { dataDir },
    log: { level: 'silent' },
  });
  const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
  const out: PingTarget['users'] = [];
  for (let i = 0; i < users; i++) {
    const username = `pinger${i}`;
    await app.identity.createUser(SYSTEM_ACTOR, { username, roles: ['member'] });
    const { token } = await app.identity.createToken(SYSTEM_ACTOR, {
      username,
      name: 'ping',
      scopes: ['read', 'write'],
    });
    const actor = (await app.identity.authenticateToken(token, 'api'))!;
    const room = await app.chat.rooms.create(actor, { name: `ping-${i}` });
    out.push({ headers: { authorization: `Bearer ${token}` }, room: room.id });
  }
  const base = await app.start();
  return { wsUrl: `${base.replace(/^http/, 'ws')}/api/ws`, users: out, botUserId: app.bot.actor.userId };
}

const [role, users] = process.argv.slice(2);
if (role === 'bare' || role === 'opsroom') {
  const count = Number(users ?? 100);
  const target = role === 'bare' ? await bare(count) : await opsroom(count);
  process.stdout.write(`${JSON.stringify(target)}\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
