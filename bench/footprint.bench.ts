import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Benchmark, fixed, summarize } from './harness.js';

const RUNS = 5;
const START_BUDGET_MS = 1500;
const RSS_BUDGET_MB = 150;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitReady(url: string, child: ChildProcess, startedAt: number): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return performance.now() - startedAt;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

interface Sample {
  startMs: number;
  idleRssMb: number;
}

async function measure(args: string[], env: Record<string, string>, readyPath: string): Promise<Sample> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, OPSROOM_PORT: String(port), PORT: String(port) },
    stdio: 'ignore',
  });
  try {
    const startMs = await waitReady(`http://127.0.0.1:${port}${readyPath}`, child, startedAt);
    await new Promise((r) => setTimeout(r, 2000)); // let start-up garbage settle: this is the idle figure
    return { startMs, idleRssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** The peer: a bare Node HTTP server answering 200, the floor any Node service starts from. */
const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')`;

export const benchmark: Benchmark = {
  id: 'footprint',
  async run() {
    const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-footprint-'));
    const env = { OPSROOM_DATA_DIR: dataDir, OPSROOM_LOG_LEVEL: 'warn' };
    try {
      // The first start creates and migrates the database; the budget is for an existing one.
      await measure(['bin/opsroom.js', 'serve'], env, '/readyz');
      const opsroom: Sample[] = [];
      const bare: Sample[] = [];
      for (let i = 0; i < RUNS; i++) {
        opsroom.push(await measure(['bin/opsroom.js', 'serve'], env, '/readyz'));
        bare.push(await measure(['-e', BARE_SERVER], {}, '/'));
      }
      const o = {
        start: summarize(opsroom.map((s) => s.startMs)),
        rss: summarize(opsroom.map((s) => s.idleRssMb)),
      };
      const b = {
        start: summarize(bare.map((s) => s.startMs)),
        rss: summarize(bare.map((s) => s.idleRssMb)),
      };
      const startOk = o.start.max < START_BUDGET_MS;
      const rssOk = o.rss.max < RSS_BUDGET_MB;
      return {
        id: 'footprint',
        title: 'Footprint: idle memory and start-up time',
        markdown: [
          `Opsroom (\`node bin/opsroom.js serve\`, SQLite, existing database) against a bare Node HTTP server, ${RUNS} starts each; worst of the runs is held to the budget.`,
          '',
          '| measure | Opsroom median | Opsroom worst | bare Node median | ratio (median) | budget | result |',
          '| --- | --- | --- | --- | --- | --- | --- |',
          `| start → /readyz 200 (ms) | ${fixed(o.start.p50, 0)} | ${fixed(o.start.max, 0)} | ${fixed(b.start.p50, 0)} | ${fixed(o.start.p50 / b.start.p50)}× | < ${START_BUDGET_MS} ms | ${startOk ? 'PASS' : 'FAIL'} |`,
          `| idle RSS (MB) | ${fixed(o.rss.p50, 1)} | ${fixed(o.rss.max, 1)} | ${fixed(b.rss.p50, 1)} | ${fixed(o.rss.p50 / b.rss.p50)}× | < ${RSS_BUDGET_MB} MB | ${rssOk ? 'PASS' : 'FAIL'} |`,
        ].join('\n'),
      };
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
