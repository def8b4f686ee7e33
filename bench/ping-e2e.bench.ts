// `ping` end to end: real `ws` clients post `!ping` as `{type:'post'}` frames to a running Opsroom
// (its own process, SQLite) and wait for the bot's reply event, paced at 100 requests/s. The peer is a
// bare `ws` server answering each frame with an event frame: the floor of loopback, framing and JSON.
// Budget (issue 3): p99 under 10 ms at 100 requests/s. Quick look: `npx tsx bench/ping-e2e.bench.ts`.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { type Benchmark, buildOpsroom, fixed, summarize } from './harness.js';
import type { PingTarget } from './ping-e2e-server.js';

const RATE = 100;
/** Simulated users, each with its own socket and room, taking turns: one ping per user per second. */
const USERS = 100;
const WARMUP = 200;
const OPSROOM_REQUESTS = 1500;
const BARE_REQUESTS = 500;
const ROUNDS = 2;
const P99_BUDGET_MS = 10;

interface Server {
  name: 'opsroom' | 'bare';
  child: ChildProcess;
  target: PingTarget;
  clients: PingClient[];
}

/** One user's socket: pings go out in order and each bot reply answers the oldest one waiting. */
class PingClient {
  private readonly waiting: { sentAt: number; done: (ms: number, text: string) => void }[] = [];
  errors = 0;

  private constructor(
    private readonly socket: WebSocket,
    private readonly room: string,
  ) {}

  static async open(target: PingTarget, user: PingTarget['users'][number], subscribe: boolean) {
    const socket = new WebSocket(target.wsUrl, { headers: user.headers, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new PingClient(socket, user.room);
    const subscribed = new Promise<void>((resolve) => {
      socket.on('message', (raw) => {
        const frame = JSON.parse(raw.toString()) as {
          type: string;
          data?: { userId?: string; text?: string };
        };
        if (frame.type === 'subscribed') resolve();
        else if (frame.type === 'error') client.errors++;
        else if (frame.type === 'event' && frame.data?.userId === target.botUserId) {
          const first = client.waiting.shift();
          first?.done(performance.now() - first.sentAt, frame.data.text ?? '');
        }
      });
    });
    if (subscribe) {
      socket.send(JSON.stringify({ type: 'subscribe', id: 's', rooms: [{ room: user.room }] }));
      await subscribed;
    }
    return client;
  }

  /** Sends one ping; resolves with the round trip in ms, or NaN when no reply came within 5 s. */
  ping(id: number): Promise<{ ms: number; text: string }> {
    return new Promise((resolve) => {
      const entry = {
        sentAt: performance.now(),
        done: (ms: number, text: string) => {
          clearTimeout(timer);
          resolve({ ms, text });
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve({ ms: Number.NaN, text: '' });
      }, 5000);
      this.waiting.push(entry);
      this.socket.send(JSON.stringify({ type: 'post', id, room: this.room, text: '!ping' }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

async function startServer(name: 'opsroom' | 'bare'): Promise<Server> {
  buildOpsroom();
  const script = fileURLToPath(new URL('./ping-e2e-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, name, String(USERS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)));
  });
  const target = JSON.parse(line) as PingTarget;
  const clients = await Promise.all(target.users.map((u) => PingClient.open(target, u, name === 'opsroom')));
  return { name, child, target, clients };
}

async function stopServer(server: Server): Promise<void> {
  for (const client of server.clients) client.close();
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.stdin!.end();
  await exited;
}

/**
 * CPU seconds (user + system) a server process has used so far, from /proc (Linux; NaN elsewhere).
 * Per request, it is what each server spends on a ping whatever else the shared machine is doing.
 */
function cpuSecondsOf(child: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) in parentheses: utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
/** USER_HZ: the unit of /proc times, 100 on Linux on every common architecture. */
const CLOCK_TICKS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let nextId = 1;

interface Paced {
  latencies: number[];
  missing: number;
  /** Replies that were not `pong` (e.g. a rate-limit refusal). */
  wrong: number;
}

/** Open loop: request i leaves at start + i/RATE whatever happened to earlier ones. */
async function paced(server: Server, requests: number): Promise<Paced> {
  const interval = 1000 / RATE;
  const start = performance.now();
  const pending: Promise<{ ms: number; text: string }>[] = [];
  for (let i = 0; i < requests; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(server.clients[i % server.clients.length]!.ping(nextId++));
  }
  const results = await Promise.all(pending);
  const latencies = results.flatMap((r) => (Number.isNaN(r.ms) ? [] : [r.ms]));
  const wrong = results.filter((r) => !Number.isNaN(r.ms) && !r.text.startsWith('pong')).length;
  return { latencies, missing: requests - latencies.length, wrong };
}

export const benchmark: Benchmark = {
  id: 'ping-e2e',
  async run() {
    const loadStart = loadavg()[0]!.toFixed(2);
    const bare = await startServer('bare');
    const opsroom = await startServer('opsroom').catch(async (error: unknown) => {
      await stopServer(bare);
      throw error;
    });
    try {
      await paced(bare, WARMUP);
      await paced(opsroom, WARMUP);
      const runs = { bare: [] as Paced[], opsroom: [] as Paced[] };
      const cpu = { bare: 0, opsroom: 0 };
      const timed = async (server: Server, requests: number) => {
        const before = cpuSecondsOf(server.child);
        const result = await paced(server, requests);
        cpu[server.name] += cpuSecondsOf(server.child) - before;
        return result;
      };
      for (let round = 0; round < ROUNDS; round++) {
        runs.bare.push(await timed(bare, BARE_REQUESTS));
        runs.opsroom.push(await timed(opsroom, OPSROOM_REQUESTS));
        const p99 = (r: Paced) => fixed(summarize(r.latencies).p99);
        console.log(
          `  round ${round + 1}: p99 bare ${p99(runs.bare.at(-1)!)} ms, opsroom ${p99(runs.opsroom.at(-1)!)} ms`,
        );
      }
      const pool = (list: Paced[]) => ({
        s: summarize(list.flatMap((r) => r.latencies)),
        missing: list.reduce((n, r) => n + r.missing, 0),
        wrong: list.reduce((n, r) => n + r.wrong, 0),
        rounds: list.map((r) => fixed(summarize(r.latencies).p99)),
      });
      const b = pool(runs.bare);
      const o = pool(runs.opsroom);
      const errors = [...bare.clients, ...opsroom.clients].reduce((n, c) => n + c.errors, 0);
      const ok = o.s.p99 < P99_BUDGET_MS && o.missing === 0 && o.wrong === 0;
      const row = (label: string, key: 'p50' | 'p95' | 'p99' | 'max', budget = '', result = '') =>
        `| ${label} | ${fixed(b.s[key])} | ${fixed(o.s[key])} | ${fixed(o.s[key] / b.s[key], 1)}× | ${budget} | ${result} |`;
      return {
        id: 'ping-e2e',
        title: '`ping` end to end over the WebSocket',
        markdown: [
          `${USERS} users, each with an API token, a room of their own and one \`ws\` client subscribed to it,`,
          `take turns posting \`!ping\` as \`{type:'post'}\` frames, ${RATE} requests/s in all (open loop: each request`,
          'leaves on schedule whatever happened to the earlier ones). A round trip ends when the bot’s reply',
          'event reaches the client. Opsroom runs as shipped in its own process (default configuration,',
          'SQLite, WAL): the frame is validated, the message stored and fanned out, the dispatcher claims it,',
          'checks rate limit and policy, runs `ping`, audits it and stores and fans out the reply. The peer is a',
          'bare `ws` server in its own process that parses each frame and answers with an event frame.',
          `After ${WARMUP} warm-up requests each, ${ROUNDS} rounds alternate the servers: ${OPSROOM_REQUESTS} requests per round`,
          `to Opsroom, ${BARE_REQUESTS} to the peer; percentiles pool the rounds (Opsroom p99 by round: ${o.rounds.join(', ')} ms).`,
          `Load average (1 min) at the start and end: ${loadStart} → ${loadavg()[0]!.toFixed(2)}.`,
          '',
          '| round trip (ms) | bare `ws` | Opsroom | Opsroom / bare | budget | result |',
          '| --- | --- | --- | --- | --- | --- |',
          row('p50', 'p50'),
          row('p95', 'p95'),
          row('p99', 'p99', `< ${P99_BUDGET_MS} ms`, ok ? 'PASS' : 'FAIL'),
          row('max', 'max'),
          '',
          `Server CPU per request (user + system, from /proc): Opsroom ${fixed((cpu.opsroom * 1000) / (ROUNDS * OPSROOM_REQUESTS))} ms, bare ${fixed((cpu.bare * 1000) / (ROUNDS * BARE_REQUESTS))} ms`,
          '(a 10 ms clock, so roughly).',
          `Requests: Opsroom ${o.s.count + o.missing}, bare ${b.s.count + b.missing}; without a reply within 5 s: Opsroom ${o.missing}, bare ${b.missing};`,
          `replies other than \`pong\`: ${o.wrong}; error frames: ${errors}.`,
        ].join('\n'),
      };
    } finally {
      await stopServer(bare);
      await stopServer(opsroom);
    }
  },
};

// Run directly for a look without touching docs/benchmarks.md: `npx tsx bench/ping-e2e.bench.ts`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log((await benchmark.run()).markdown);
}
