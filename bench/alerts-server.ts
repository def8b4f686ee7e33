// Opsroom for the alert benchmarks, in its own process so the posters never share its event loop:
// `node --import tsx bench/alerts-server.ts <groupWait> [postgres-url]`. SQLite in a temp data dir
// (or PostgreSQL when a URL is given), an `alerts` room, an Alertmanager integration and an admin
// token for the WebSocket. Prints one JSON line (AlertsTarget) once listening. Reads commands on stdin:
// `idle` answers `idle` once every due group flush (the cards) has run; `trace` (with --trace) prints
// where the time of each group went (received → stored and answered → card published); closing stdin
// stops it. `--pragma=<sqlite pragma>` (repeatable) runs a pragma first, and `--sql=<statement>`
// (repeatable) a statement, for experiments.
// It runs Opsroom as installed (dist/; `--src` for the sources): see opsroom-code.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';

import { opsroomCode } from './opsroom-code.js';

const { buildApp, configSchema, SYSTEM_ACTOR } = await opsroomCode();

export interface AlertsTarget {
  hookUrl: string;
  wsUrl: string;
  headers: Record<string, string>;
  roomId: string;
  dialect: string;
}

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const groupWait = positional[0] ?? '30s';
const databaseUrl = positional[1];
const tracing = process.argv.includes('--trace');
const pragmas = process.argv.filter((a) => a.startsWith('--pragma=')).map((a) => a.slice('--pragma='.length));
const statements = process.argv.filter((a) => a.startsWith('--sql=')).map((a) => a.slice('--sql='.length));
const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-alerts-bench-'));
process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const config = configSchema.parse({
  server: { host: '127.0.0.1', port: 0, bodyLimitBytes: 8 * 1024 * 1024 },
  storage: { dataDir, ...(databaseUrl ? { databaseUrl } : {}) },
  log: { level: 'silent' },
  alerts: {
    route: { group_by: ['alertname'], group_wait: groupWait, group_interval: '5m', repeat_interval: '4h' },
    // The benchmark measures the pipeline, not the per-integration notification queue (0 = off).
    rate_limit: { per_minute: 0 },
    // The bodies name no real Alertmanager to ask.
    reconcile: { enabled: false },
  },
});
const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
await app.identity.createUser(SYSTEM_ACTOR, { username: 'benchadmin', roles: ['admin'] });
const { token } = await app.identity.createToken(SYSTEM_ACTOR, {
  username: 'benchadmin',
  name: 'bench',
  scopes: ['read', 'write', 'admin'],
});
const admin = (await app.identity.authenticateToken(token, 'api'))!;
const room = await app.chat.rooms.create(admin, { name: 'alerts' });
for (const pragma of pragmas) app.database.sqlite?.pragma(pragma);
for (const statement of statements) app.database.sqlite?.exec(statement);
const trace = tracing ? startTrace() : undefined;
const base = await app.start();
const integration = await app.integrations.create(admin, { kind: 'alertmanager', room: 'alerts' });
const hookUrl = `${base}${new URL(integration.url).pathname}`;
const target: AlertsTarget = {
  hookUrl,
  wsUrl: `${base.replace(/^http/, 'ws')}/api/ws`,
  headers: { authorization: `Bearer ${token}` },
  roomId: room.id,
  dialect: app.database.dialect,
};
console.log(JSON.stringify(target));

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'idle') void app.alerts.idle().then(() => console.log('idle'));
  if (line.trim() === 'trace') console.log(JSON.stringify(trace?.report() ?? {}));
});
lines.on('close', () => {
  void app.close().then(() => process.exit(0));
});

/**
 * Per group (`alertname` Bench…): when its webhook arrived, when its answer was sent (stored and
 * committed) and when its card's `message.created` was published (what the WebSocket sends). Times are
 * this process's, so the client's network and the socket are left out.
 */
function startTrace() {
  const NAME = /Bench(L[a-z0-9]+_\d+)/;
  const started = new WeakMap<object, number>();
  const received = new Map<string, number>();
  const answered: number[] = [];
  const carded: number[] = [];
  app.http.addHook('onRequest', async (req) => {
    started.set(req, performance.now());
  });
  app.http.addHook('preHandler', async (req) => {
    // The hook routes take the body raw (they parse it themselves): a name search is enough here.
    const raw = req.body;
    const text = Buffer.isBuffer(raw)
      ? raw.toString('utf8', 0, 4096)
      : typeof raw === 'string'
        ? raw
        : JSON.stringify(raw ?? '');
    const name = NAME.exec(text)?.[1];
    if (name !== undefined) received.set(name, started.get(req) ?? performance.now());
  });
  app.http.addHook('onResponse', async (req) => {
    const t0 = started.get(req);
    if (t0 !== undefined && req.url.startsWith('/hooks/')) answered.push(performance.now() - t0);
  });
  // The gateway sends a room's events in seq order: one published before its predecessor waits for
  // it (up to 25 ms, then a database read). Count how often the pipeline publishes out of order.
  let lastSeq = 0;
  let outOfOrder = 0;
  let published = 0;
  app.bus.subscribeAll((event) => {
    const payload = event.payload as { roomId?: string; seq?: number };
    if (payload.roomId !== room.id || typeof payload.seq !== 'number') return;
    published++;
    if (lastSeq !== 0 && payload.seq !== lastSeq + 1) outOfOrder++;
    lastSeq = Math.max(lastSeq, payload.seq);
  });
  app.bus.subscribe('message.created', (event) => {
    const name = NAME.exec(event.payload.data.card?.title ?? '')?.[1];
    const t0 = name === undefined ? undefined : received.get(name);
    if (t0 !== undefined) {
      carded.push(performance.now() - t0);
      received.delete(name!);
    }
  });
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
    return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
  };
  return {
    report() {
      const out = { answered: stats(answered), card: stats(carded), published, outOfOrder };
      answered.length = 0;
      carded.length = 0;
      published = 0;
      outOfOrder = 0;
      return out;
    },
  };
}
