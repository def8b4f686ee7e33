// Opsroom for the alert benchmarks, in its own process so the posters never share its event loop:
// `node --import tsx bench/alerts-server.ts <groupWait> [postgres-url]`. SQLite in a temp data dir
// (or PostgreSQL when a URL is given), an `alerts` room, an Alertmanager integration and an admin
// token for the WebSocket. Prints one JSON line (AlertsTarget) once listening. Reads commands on stdin:
// `idle` answers `idle` once every due group flush (the cards) has run; closing stdin stops it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { SYSTEM_ACTOR } from '../src/core/actor.js';

export interface AlertsTarget {
  hookUrl: string;
  wsUrl: string;
  headers: Record<string, string>;
  roomId: string;
  dialect: string;
}

const groupWait = process.argv[2] ?? '30s';
const databaseUrl = process.argv[3];
const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-alerts-bench-'));
process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const config = configSchema.parse({
  server: { host: '127.0.0.1', port: 0, bodyLimitBytes: 8 * 1024 * 1024 },
  storage: { dataDir, ...(databaseUrl ? { databaseUrl } : {}) },
  log: { level: 'silent' },
  alerts: {
    route: { group_by: ['alertname'], group_wait: groupWait, group_interval: '5m', repeat_interval: '4h' },
    // The benchmark measures the pipeline, not the per-integration notification queue.
    rate_limit: { per_minute: 1_000_000, burst: 1_000_000 },
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
});
lines.on('close', () => {
  void app.close().then(() => process.exit(0));
});
