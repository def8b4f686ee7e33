// Alert latency: from the webhook request leaving the poster to the card visible to a WebSocket client
// subscribed to the room, with group_wait 0, paced open loop: 50 new groups/s (bodies of 1 alert) and
// 500 alerts/s (50 bodies/s of 10 alerts, each a new group). The peer: Debian's Alertmanager 0.25 with
// group_wait 0s, from POST /api/v2/alerts to its webhook notification arriving at a sink.
// Budget (issue 6): p99 < 25 ms at 50 new groups/s, p99 < 100 ms at 500 alerts/s.
// Quick look without touching docs/benchmarks.md: `npx tsx bench/alerts-latency.bench.ts`.
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { ask, idle, startOpsroom, stopOpsroom } from './alerts-ingest.bench.js';
import { startPeerAlertmanager, WebhookSink } from './alerts-peer.js';
import { apiV2Body, type BenchAlert, makeBatches, webhookBody } from './alerts-workload.js';
import { type Benchmark, fixed, summarize } from './harness.js';

const SECONDS = 10;
/** `npx tsx bench/alerts-latency.bench.ts --pragma=wal_autocheckpoint=0`: SQLite experiments. */
const PRAGMAS = process.argv.filter((a) => a.startsWith('--pragma='));
const TIMEOUT_MS = 5000;
const NAME = /Bench(L[a-z0-9]+_\d+)/;

function post(agent: Agent, url: string, body: string, headers: Record<string, string>): void {
  const target = new URL(url);
  const req = request(
    {
      agent,
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
    },
    (res) => res.resume(),
  );
  req.on('error', () => {});
  req.end(body);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `bodies` at `perSecond` (open loop: body i leaves at start + i/perSecond), recording when each
 * group's name left; `seen` is called by the observer when the group shows up. Returns the latencies
 * and how many never showed up within the timeout.
 */
async function paced(
  groups: BenchAlert[][],
  perSecond: number,
  send: (group: BenchAlert[]) => void,
  arrivals: Map<string, number>,
): Promise<{ latencies: number[]; missing: number }> {
  const sentAt = new Map<string, number>();
  const start = performance.now();
  for (let i = 0; i < groups.length; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 1) await sleep(wait);
    const name = NAME.exec(groups[i]![0]!.labels.alertname!)![1]!;
    sentAt.set(name, performance.now());
    send(groups[i]!);
  }
  const deadline = performance.now() + TIMEOUT_MS;
  while (arrivals.size < sentAt.size && performance.now() < deadline) await sleep(20);
  const latencies: number[] = [];
  for (const [name, at] of sentAt) {
    const arrived = arrivals.get(name);
    if (arrived !== undefined) latencies.push(arrived - at);
  }
  return { latencies, missing: sentAt.size - latencies.length };
}

/** A subscriber of the room that notes the first frame naming each group. */
async function watchRoom(
  wsUrl: string,
  headers: Record<string, string>,
  roomId: string,
  arrivals: Map<string, number>,
) {
  const socket = new WebSocket(wsUrl, { headers, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const subscribed = new Promise<void>((resolve) => {
    socket.on('message', (raw: Buffer) => {
      const at = performance.now();
      const text = raw.toString('utf8');
      if (text.includes('"subscribed"')) resolve();
      if (!text.includes('"card"')) return;
      const name = NAME.exec(text)?.[1];
      if (name !== undefined && !arrivals.has(name)) arrivals.set(name, at);
    });
  });
  socket.send(JSON.stringify({ type: 'subscribe', id: 's', rooms: [{ room: roomId }] }));
  await subscribed;
  return socket;
}

interface Scenario {
  label: string;
  perSecond: number;
  size: number;
  budgetMs?: number;
}

const SCENARIOS: Scenario[] = [
  { label: '50 new groups/s (1 alert each)', perSecond: 50, size: 1, budgetMs: 25 },
  { label: '500 alerts/s (50 new groups/s of 10)', perSecond: 50, size: 10, budgetMs: 100 },
];

export const benchmark: Benchmark = {
  id: 'alerts-latency',
  async run() {
    const loadStart = loadavg()[0]!.toFixed(2);
    const rows: string[] = [];
    let run = 0;
    const groups = (size: number) => makeBatches(`L${Date.now().toString(36)}r${run++}`, SECONDS * 50, size);

    // Opsroom: webhook body → pipeline → card → WebSocket frame.
    const opsroom = await startOpsroom('0s', undefined, ['--trace', ...PRAGMAS]);
    const inside: string[] = [];
    try {
      const arrivals = new Map<string, number>();
      const socket = await watchRoom(
        opsroom.target.wsUrl,
        opsroom.target.headers,
        opsroom.target.roomId,
        arrivals,
      );
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const send = (group: BenchAlert[]) => post(agent, opsroom.target.hookUrl, webhookBody(group), {});
      await paced(groups(1).slice(0, 100), 50, send, arrivals);
      await idle(opsroom);
      await ask(opsroom, 'trace', (line) => line.startsWith('{'));
      for (const s of SCENARIOS) {
        arrivals.clear();
        const r = await paced(groups(s.size), s.perSecond, send, arrivals);
        const p = summarize(r.latencies);
        const verdict =
          s.budgetMs === undefined ? '' : p.p99 < s.budgetMs && r.missing === 0 ? 'met' : '**missed**';
        rows.push(
          `| Opsroom | ${s.label} | ${fixed(p.p50)} | ${fixed(p.p95)} | ${fixed(p.p99)} | ${fixed(p.max)} | ${r.missing} | < ${s.budgetMs} ms: ${verdict} |`,
        );
        console.log(rows.at(-1));
        await idle(opsroom);
        const trace = JSON.parse(await ask(opsroom, 'trace', (line) => line.startsWith('{'))) as Record<
          'answered' | 'card',
          { p50: number; p95: number; p99: number; max: number }
        > & { published: number; outOfOrder: number };
        inside.push(
          `| ${s.label} | ${fixed(trace.answered.p50)} / ${fixed(trace.answered.p99)} | ${fixed(trace.card.p50)} / ${fixed(trace.card.p95)} / ${fixed(trace.card.p99)} / ${fixed(trace.card.max)} | ${trace.outOfOrder} of ${trace.published} |`,
        );
        console.log(inside.at(-1));
      }
      socket.close();
      agent.destroy();
    } finally {
      await stopOpsroom(opsroom);
    }

    // Alertmanager: POST /api/v2/alerts → dispatch (group_wait 0s) → webhook at the sink.
    const sink = await WebhookSink.start();
    const am = await startPeerAlertmanager(sink, '0s');
    try {
      const arrivals = new Map<string, number>();
      sink.onGroup = (alertname, at) => {
        const name = NAME.exec(alertname)?.[1];
        if (name !== undefined && !arrivals.has(name)) arrivals.set(name, at);
      };
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const send = (group: BenchAlert[]) => post(agent, `${am.url}/api/v2/alerts`, apiV2Body(group), {});
      await paced(groups(1).slice(0, 100), 50, send, arrivals);
      for (const s of SCENARIOS) {
        arrivals.clear();
        const r = await paced(groups(s.size), s.perSecond, send, arrivals);
        const p = summarize(r.latencies);
        rows.push(
          `| Alertmanager 0.25 | ${s.label} | ${fixed(p.p50)} | ${fixed(p.p95)} | ${fixed(p.p99)} | ${fixed(p.max)} | ${r.missing} | (peer) |`,
        );
        console.log(rows.at(-1));
      }
      agent.destroy();
    } finally {
      await am.stop();
      await sink.close();
    }

    const markdown = [
      `Open loop for ${SECONDS} s per scenario after a warm-up; each body is a new group (group_by alertname, group_wait 0). Opsroom: its own process on SQLite, from the webhook request leaving the poster to the first WebSocket frame carrying the group's card. Alertmanager: from \`POST /api/v2/alerts\` leaving the poster to its webhook notification arriving at a sink. Load average at start ${loadStart} (2 shared cores).`,
      '',
      '| server | load | p50 ms | p95 ms | p99 ms | max ms | missing | budget |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rows,
      '',
      "Inside the Opsroom process (its own clock, no client or socket): from the webhook request arriving to its answer (stored and committed), and to the card's `message.created` being published, which the WebSocket gateway writes out in the same turn unless an earlier seq of the room has not been published yet (it then waits up to 25 ms for it, and reads it from the database).",
      '',
      '| load | webhook answered p50 / p99 ms | card published p50 / p95 / p99 / max ms | room events published out of seq order |',
      '| --- | ---: | ---: | ---: |',
      ...inside,
    ].join('\n');
    return { id: 'alerts-latency', title: 'Alert latency: webhook to card on the WebSocket', markdown };
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await benchmark.run();
  console.log(report.markdown);
}
