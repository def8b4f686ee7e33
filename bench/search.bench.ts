// Message search on SQLite: 1,000,000 generated ops-chat messages, word / prefix / substring / filtered
// queries through the real search store. Budget (issue): p95 under 25 ms for word and substring queries.
// Quick run without touching docs/benchmarks.md: `npx tsx bench/search.bench.ts 100000`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseSearchQuery } from '../src/domains/chat/search/query.js';
import { createSearchStore } from '../src/domains/chat/search/search-store.js';
import { type Database, openSqlite } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { type Benchmark, type BenchReport, fixed, summarize } from './harness.js';

export const MESSAGES = 1_000_000;
const BUDGET_MS = 25;
const SAMPLES = 200;
const BATCH = 10_000;
const START_MS = Date.parse('2024-01-01T00:00:00Z');
/** One message every 30 s: a million messages span about a year. */
const STEP_MS = 30_000;

/** Whitespace-separated words, as a list. */
function list(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** '|'-separated queries (a query may contain spaces), as a list. */
function queries(text: string): string[] {
  return text.split('|').map((q) => q.trim());
}

const SERVICES = list(`api-gateway checkout payments auth search billing notifier scheduler ingest web`);
const ENVS = ['prod', 'staging', 'canary', 'dev'];
const ERRORS = list(
  `E_CONN_RESET ETIMEDOUT ECONNREFUSED E_DISK_FULL OOMKilled CrashLoopBackOff E_TLS_HANDSHAKE ERR_RATE_LIMIT EPIPE E_DEADLOCK`,
);
const PATHS = list(
  `/api/v2/alerts /api/v2/incidents /api/v1/users /healthz /metrics /api/v2/deploys /login /api/v1/orders /webhooks/github /api/v3/search`,
);
const ALERTS = list(
  `HighLatency DiskAlmostFull InstanceDown HighErrorRate CertificateExpiry ReplicationLag QueueBacklog`,
);
const HOSTS = ['db', 'web', 'cache', 'queue', 'worker', 'lb'];
const WORDS =
  list(`the a to is it on in and for of we i this that be was are with not can at looks like just now still
  anyone seeing again back up down after before from there here what why how when should would could think know
  deployment rollback timeout latency postgres redis kubernetes database connection certificate dashboard
  pipeline migration customer traffic spike error errors retry retries queue worker cluster node pod service
  restart restarted config release hotfix ticket incident pager alert alerts firing resolved ack oncall
  investigating mitigated monitoring graph metrics logs trace memory cpu disk network dns proxy upstream
  backend frontend build tests flaky green red merge branch review approve ship shipped rollout canary
  staging production region failover replica primary lag backup snapshot restore volume quota limit throttled
  thanks thx ok okay sure yes no maybe later tomorrow today morning lunch meeting standup sync doc runbook
  postmortem handover escalate escalated paging slow fast weird broken fixed fine better worse huge small`);

/** A generator of message texts drawn from ops-chat templates. */
function generator(seed: number): () => string {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const host = () => `${pick(HOSTS)}-${int(400)}.${pick(ENVS)}.example.com`;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const templates: (() => string)[] = [
    () => words(6 + int(12)),
    () => words(4 + int(8)),
    () => `${words(2)} ${pick(SERVICES)} ${words(3 + int(6))}`,
    () => `deploying ${pick(SERVICES)} v${int(5)}.${int(30)}.${int(100)} to ${pick(ENVS)}`,
    () => `rolling back ${pick(SERVICES)} on ${pick(ENVS)}: ${pick(ERRORS)} from ${host()}`,
    () => `${host()} ${pick(ERRORS)} while calling ${pick(PATHS)} (attempt ${1 + int(5)})`,
    () =>
      `GET https://${pick(SERVICES)}.${pick(ENVS)}.example.com${pick(PATHS)}/${int(100000)} returned ${pick([500, 502, 503, 504, 429])} in ${int(3000)}ms`,
    () => `[FIRING] ${pick(ALERTS)} on ${host()}: value ${int(100)}% ${words(2)}`,
    () => `[RESOLVED] ${pick(ALERTS)} on ${host()}`,
    () => `!restart ${pick(SERVICES)} --env ${pick(ENVS)}`,
    () =>
      `kubectl -n ${pick(SERVICES)} logs ${pick(SERVICES)}-${int(2 ** 30).toString(36)} | grep ${pick(ERRORS)}`,
    () =>
      `incident INC-${int(5000)}: ${pick(SERVICES)} ${pick(ERRORS)} since ${int(24)}:${String(int(60)).padStart(2, '0')} UTC, ${words(3 + int(5))}`,
  ];
  return () => pick(templates)();
}

/** Rooms with a skewed share of the traffic, like a real workspace; the last is private. */
const ROOMS: [name: string, kind: string, share: number][] = [
  ['ops', 'public', 30],
  ['alerts', 'public', 20],
  ['deploys', 'public', 15],
  ['dev', 'public', 10],
  ['db-team', 'public', 8],
  ['k8s', 'public', 6],
  ['random', 'public', 5],
  ['inc-101', 'incident', 2],
  ['inc-102', 'incident', 1],
  ['sre-private', 'private', 3],
];
const USERS = 40;

export async function buildSearchDatabase(file: string, count: number): Promise<Database> {
  const database = openSqlite(file);
  await migrateToLatest(database);
  const raw = database.sqlite!;
  const at = new Date(START_MS).toISOString();
  raw.transaction(() => {
    const user = raw.prepare(
      `INSERT INTO users (id, username, display_name, roles, created_at, updated_at) VALUES (?, ?, ?, '["member"]', ?, ?)`,
    );
    for (let u = 0; u < USERS; u++) user.run(`u_${u}`, `user${u}`, `User ${u}`, at, at);
    const room = raw.prepare(
      `INSERT INTO rooms (id, name, kind, created_by, created_at) VALUES (?, ?, ?, 'u_0', ?)`,
    );
    for (const [name, kind] of ROOMS) room.run(`r_${name}`, name, kind, at);
    // user0 is the viewer in the benchmark and is not in sre-private: its rows are searched but hidden.
    raw
      .prepare(
        `INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ('r_sre-private', 'u_1', 'owner', ?)`,
      )
      .run(at);
  })();
  const roomWheel = ROOMS.flatMap(([name, , share]) => Array.from({ length: share }, () => `r_${name}`));
  const random = seededRandom(7);
  const text = generator(42);
  const insert = raw.prepare(
    'INSERT INTO messages (id, room_id, user_id, text, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const batch = raw.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const createdAt = new Date(START_MS + i * STEP_MS).toISOString();
      const deleted = random() < 0.01 ? createdAt : null;
      const room = roomWheel[Math.floor(random() * roomWheel.length)]!;
      insert.run(
        `m_${i.toString(36).padStart(8, '0')}`,
        room,
        `u_${Math.floor(random() * USERS)}`,
        text(),
        createdAt,
        deleted,
      );
    }
  });
  for (let from = 0; from < count; from += BATCH) batch(from, Math.min(count, from + BATCH));
  raw.pragma('wal_checkpoint(TRUNCATE)');
  return database;
}

/** What the benchmark searches for, by kind. */
export const QUERIES: Record<string, string[]> = {
  word: queries(
    `deployment|rollback|timeout|certificate|postgres|ETIMEDOUT|CrashLoopBackOff|runbook|rollback checkout|latency production|OOMKilled|failover replica`,
  ),
  prefix: queries(`deplo|rollb|certif|kube|dash|migr|postm|db|k8|re|deployment k8|v2 alerts`),
  substring: queries(
    `CONN_RES|ployment|/api/v2/al|TIMEDO|prod.exam|ashboa|-217.|LoopBack|v2/incid|tificat|b-3|INC-42`,
  ),
  filtered: queries(
    `in:#deploys rollback|from:@user7 timeout|E_CONN_RESET in:#alerts|latency after:2024-06-01|deployment before:2024-03-01|from:@user3 in:#ops|ETIMEDOUT in:#db-team from:@user12|in:#inc-102 canary|certificate in:#sre-private|on:2024-07-04 deploy|CONN_RES from:@user5 after:2024-10-01|in:#k8s CrashLoop`,
  ),
};
/** The issue's budget covers word and substring queries; the others are reported for information. */
const BUDGETED = new Set(['word', 'substring']);

type Summary = ReturnType<typeof summarize>;

/** Each kind: one warm-up pass over its queries, then SAMPLES searches cycling through them. */
async function measureQueries(database: Database): Promise<Map<string, { summary: Summary; hits: number }>> {
  const store = createSearchStore(database);
  const search = (q: string) => store.search({ query: parseSearchQuery(q), viewerUserId: 'u_0', limit: 20 });
  const results = new Map<string, { summary: Summary; hits: number }>();
  for (const [kind, queries] of Object.entries(QUERIES)) {
    for (const q of queries) await search(q);
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      hits += (await search(queries[i % queries.length]!)).length;
      times.push(performance.now() - started);
    }
    results.set(kind, { summary: summarize(times), hits: hits / SAMPLES });
  }
  return results;
}

/** MB per object, from SQLite's dbstat table: the messages table and indexes vs what search adds. */
function sizes(database: Database): { total: number; search: number; messages: number } {
  const rows = database
    .sqlite!.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name')
    .all() as { name: string; bytes: number }[];
  const mb = (filter: (name: string) => boolean) =>
    rows.filter((r) => filter(r.name)).reduce((sum, r) => sum + r.bytes, 0) / 2 ** 20;
  const isSearch = (name: string) =>
    /^messages_(trigrams|words)_/.test(name) ||
    name === 'messages_user_num' ||
    name === 'messages_out_of_order';
  return {
    total: mb(() => true),
    search: mb(isSearch),
    messages: mb(
      (name) =>
        name === 'messages' ||
        (name.startsWith('messages_') && !isSearch(name)) ||
        name === 'sqlite_autoindex_messages_1',
    ),
  };
}

async function run(count: number): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-search-bench-'));
  let database: Database | undefined;
  try {
    const started = performance.now();
    database = await buildSearchDatabase(join(dir, 'search.sqlite'), count);
    const buildSeconds = (performance.now() - started) / 1000;
    const size = sizes(database);
    const results = await measureQueries(database);
    const rows = [...results].map(([kind, { summary, hits }]) => {
      const budgeted = BUDGETED.has(kind);
      const verdict = budgeted ? (summary.p95 < BUDGET_MS ? 'PASS' : 'FAIL') : 'n/a';
      return `| ${kind} | ${summary.count} | ${fixed(summary.p50)} | ${fixed(summary.p95)} | ${fixed(summary.p99)} | ${fixed(summary.max)} | ${fixed(hits, 1)} | ${budgeted ? `< ${BUDGET_MS} ms` : '-'} | ${verdict} |`;
    });
    const n = count.toLocaleString('en-US');
    const markdown = `
${n} generated ops-chat messages (error codes, URLs, hostnames, alerts, commands, chatter; 10 rooms
of skewed sizes, 40 users, one message every 30 s over ${fixed((count * STEP_MS) / 86_400_000, 0)} days, 1% soft-deleted) in one
SQLite file, searched through \`createSearchStore().search\` (limit 20, newest first, snippets built) as
a user outside the private room. Each kind cycles through its ${QUERIES.word!.length} queries for ${SAMPLES} samples after one
warm-up pass. The issue's budget (p95 < ${BUDGET_MS} ms) covers word and substring queries.

Build: ${fixed(buildSeconds, 1)} s through the real insert path (FTS5 triggers included), batches of
${BATCH.toLocaleString('en-US')} rows per transaction. Size: ${fixed(size.total, 0)} MB in all; messages and their core
indexes ${fixed(size.messages, 0)} MB, search indexes ${fixed(size.search, 0)} MB.

| kind | samples | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | hits per query | budget (p95) | result |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Filtered queries are outside the budget. The slowest are \`before:\` far back (FTS5 reads its way to the
older rowids) and two filters that are common apart but rare together (the matches are walked and
checked); a quiet room, user or day is read whole instead (see \`sqlite-search.ts\`). Queries:
${Object.entries(QUERIES)
  .map(([kind, list]) => `**${kind}** ${list.map((q) => `\`${q}\``).join(', ')}`)
  .join('; ')}.
`;
    return { id: 'search', title: `Search: ${n} messages on SQLite`, markdown };
  } finally {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = { id: 'search', run: () => run(MESSAGES) };

// Run directly for a quick look at a smaller data set; prints the report, leaves docs/ alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log((await run(Number(process.argv[2] ?? 100_000))).markdown);
}
