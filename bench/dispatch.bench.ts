// Bot dispatch against Hubot 14: 500 commands + 100 hear listeners (and 50 + 10), 100,000 messages
// through each bot, in the same run. Budget (issue 3): Opsroom ≥ 10× Hubot's throughput with 600
// listeners, no slower than Hubot with 60, p99 dispatch under 1 ms. The full persisted path (message
// stored → dispatcher → reply stored) is reported beside it, on SQLite.
// Quick look without touching docs/benchmarks.md: `npx tsx bench/dispatch.bench.ts 20000`.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Timing } from './dispatch-measure.js';
import type { Side, WorkerResult } from './dispatch-worker.js';
import { type MessageKind, MIX } from './dispatch-workload.js';
import { type Benchmark, type BenchReport, fixed } from './harness.js';

/** Per round: two rounds put 100,000 messages through each bot at each size. */
const MESSAGES = 50_000;
/** The persisted path writes a message, a claim, a reply and an audit record per command: fewer. */
const PERSISTED_MESSAGES = 3_000;
const ROUNDS = 2;
/** `known`: the issue's figure for Hubot 14.1 on this machine, messages/s; a check on this run's Hubot. */
const SIZES = [
  { commands: 500, hears: 100, ratioBudget: 10, known: 6_500 },
  { commands: 50, hears: 10, ratioBudget: 1, known: 55_000 },
] as const;
const P99_BUDGET_MS = 1;
const SIDES = ['hubot', 'opsroom', 'opsroom-memory-audit'] as const;
const LABEL: Record<(typeof SIDES)[number], string> = {
  hubot: 'Hubot 14',
  opsroom: 'Opsroom, as wired (audit → SQLite)',
  'opsroom-memory-audit': 'Opsroom, audit entries kept in memory',
};

/** Runs one side in a fresh process (see dispatch-worker.ts) and returns what it measured. */
function runWorker(side: Side, commands: number, hears: number, messages: number): Promise<WorkerResult> {
  const script = fileURLToPath(new URL('./dispatch-worker.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, side, String(commands), String(hears), String(messages)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`dispatch worker ${side} exited with ${code}`));
      else resolve(JSON.parse(line) as WorkerResult);
    });
  });
}

const ms = (v: number) => fixed(v, 3);

function timingCells(t: Timing): string {
  return `${ms(t.p50)} | ${ms(t.p99)} | ${fixed(t.max, 1)}`;
}

async function run(messages: number, rounds: number): Promise<BenchReport> {
  const loadStart = loadavg()[0]!.toFixed(2);
  /** Per size, per side: every round, alternating sides so a busy moment hits both. */
  const results = new Map<string, WorkerResult[]>();
  const key = (side: Side, commands: number) => `${side}:${commands}`;
  for (let round = 0; round < rounds; round++) {
    for (const size of SIZES) {
      for (const side of SIDES) {
        const result = await runWorker(side, size.commands, size.hears, messages);
        const list = results.get(key(side, size.commands)) ?? [];
        list.push(result);
        results.set(key(side, size.commands), list);
        console.log(
          `  ${side} ${result.listeners} listeners: ${fixed(result.perSec, 0)} msg/s, p99 ${ms(result.latency.p99)} ms`,
        );
      }
    }
  }
  const persisted = await runWorker('opsroom-persisted', 500, 100, Math.min(messages, PERSISTED_MESSAGES));
  console.log(`  persisted: ${fixed(persisted.perSec, 0)} msg/s, p99 ${ms(persisted.latency.p99)} ms`);
  const parts = (await runWorker('opsroom-breakdown', 500, 100, messages)).parts ?? [];
  const loadEnd = loadavg()[0]!.toFixed(2);

  // The round with the higher throughput stands for each side; the others are listed beside it.
  const best = (side: Side, commands: number) =>
    [...results.get(key(side, commands))!].sort((a, b) => b.perSec - a.perSec)[0]!;
  const allRates = (side: Side, commands: number) =>
    results
      .get(key(side, commands))!
      .map((r) => fixed(r.perSec, 0))
      .join(', ');

  const rows: string[] = [];
  const verdicts: string[] = [];
  for (const size of SIZES) {
    const hubot = best('hubot', size.commands);
    const label = `${size.commands} + ${size.hears}`;
    const cells = (side: Side, r: WorkerResult) =>
      `${fixed(r.perSec, 0)} (${allRates(side, size.commands)}) | ${fixed(r.perCpuSec, 0)} | ${timingCells(r.latency)} | ${r.replies}`;
    rows.push(`| ${label} | ${LABEL.hubot} | ${hubot.listeners} | ${cells('hubot', hubot)} | | | | |`);
    for (const side of ['opsroom', 'opsroom-memory-audit'] as const) {
      const ops = best(side, size.commands);
      const ratio = ops.perSec / hubot.perSec;
      const cpuRatio = ops.perCpuSec / hubot.perCpuSec;
      const p99Ok = ops.latency.p99 < P99_BUDGET_MS;
      const ok = ratio >= size.ratioBudget && p99Ok;
      const cpuOk = cpuRatio >= size.ratioBudget && p99Ok;
      const result = `${ok ? 'PASS' : 'FAIL'} (CPU: ${cpuOk ? 'PASS' : 'FAIL'})`;
      verdicts.push(`${LABEL[side]} with ${label}: ${result}`);
      rows.push(
        `| ${label} | ${LABEL[side]} | ${ops.listeners} | ${cells(side, ops)} | ${fixed(ratio, 2)}× | ${fixed(cpuRatio, 2)}× | ≥ ${size.ratioBudget}×, p99 < ${P99_BUDGET_MS} ms | ${result} |`,
      );
    }
  }
  const big = best('opsroom', SIZES[0].commands);
  const bigHubot = best('hubot', SIZES[0].commands);
  const kinds = Object.keys(MIX) as MessageKind[];
  const lean = best('opsroom-memory-audit', SIZES[0].commands);
  const kindRows = kinds.map((kind) => {
    const o = big.byKind[kind];
    const h = bigHubot.byKind[kind];
    const l = lean.byKind[kind];
    const cell = (t: Timing | undefined) => (t ? `${ms(t.p50)} / ${ms(t.p99)}` : '-');
    return `| ${kind} | ${fixed(MIX[kind] * 100, 0)}% | ${cell(h)} | ${cell(o)} | ${cell(l)} |`;
  });
  const notes = [...new Set([...big.notes, ...persisted.notes])];
  // What 10× Hubot's rate leaves Opsroom per message, against what each part costs on its own.
  const budgetUs = 1e6 / (bigHubot.perCpuSec * SIZES[0].ratioBudget);
  const partRows = parts.map(
    (p) => `| ${p.part} | ${p.calls} | ${fixed(p.perCallUs, 1)} | ${fixed(p.perMessageUs, 1)} |`,
  );
  const partsTotal = parts.reduce((sum, p) => sum + p.perMessageUs, 0);
  const n = messages.toLocaleString('en-US');
  const markdown = `
${n} messages per round through each bot, one after another (each timed from hand-over until its replies are
delivered), after 5,000 warm-up messages; each bot runs in a fresh process. **Hubot 14.1** (npm \`hubot\`)
runs a real \`Robot\` (\`robot.run()\`, so its CommandBus middleware is in the path; HTTP off) with a
minimal in-process adapter whose \`send\`/\`reply\` deliver into an in-memory room sink; each command is
a \`robot.respond\` regex and each hear listener a \`robot.hear\`. **Opsroom** gets the same commands as
\`defineCommand\` definitions (\`instant: true\`) with typed arguments (string, enum, duration, integer,
@user, #room, boolean; permissions \`ops:<verb>\` and \`deploy:{{env}}\`) in the app's own registry, and
the same regexes as \`HearListeners\`: per message, \`hear.match\` and the matching handlers, then
addressing and the app's \`BotDispatcher.execute\` (rate limit → parse → audit → policy → rooms → risk →
run → redact; \`@user\`/\`#room\` arguments are looked up in SQLite, and a name once found is
remembered, as the app does), each reply into the same kind of
in-memory sink. Asking user: an operator; the users and rooms the commands name exist; three secrets
are stored, so the redactor is live. Opsroom runs twice: **as wired**, each command's audit record
written to SQLite in the background (waited for before the clock stops), and with **audit entries kept
in memory** (built by the app as usual, not written): dispatch as the issue defines it, parse → policy
→ reply, with no database write on the way. The persisted figure below has every write.

Message mix: ${kinds.map((k) => `${fixed(MIX[k] * 100, 0)}% ${k}`).join(', ')} — commands addressed as
\`@opsbot …\` or \`opsbot: …\` with typed arguments (some mention a ticket a hear listener links),
arguments of the wrong type, misspelt command names (one swap or drop), and chatter nobody addresses
(some with a ticket key or phrase a hear listener picks up). Hubot stays silent on what no regex
matches; Opsroom answers every addressed message (a usage reply or "did you mean"), hence more replies.
Best of ${rounds} rounds per bot and size (all rounds' messages/s in brackets), sides alternating.
Load average (1 min) at the start and end: ${loadStart} → ${loadEnd} (2 cores shared with other work).
Wall-clock rates on a shared machine move with everyone else's load, so each run also records its
process CPU time (user + system, all threads, garbage collection and SQLite included) over the same
loop: messages per CPU-second compare the two bots' work with the load taken out, and the result
column gives that verdict beside the wall-clock one.

| commands + hears | bot | listeners | messages/s | messages per CPU-second | p50 (ms) | p99 (ms) | max (ms) | replies | Opsroom / Hubot | Opsroom / Hubot (CPU) | budget | result |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

The issue puts Hubot 14.1 on this machine at about ${SIZES.map((z) => `${z.known.toLocaleString('en-US')} messages/s with ${z.commands + z.hears} listeners`).join(' and ')};
this run's Hubot managed ${SIZES.map((z) => `${fixed(best('hubot', z.commands).perSec, 0)}`).join(' and ')} (its message mix sends unmatched lines through Hubot's
catch-all pass, and the machine is shared). Against those reference figures, Opsroom as wired is at
${SIZES.map((z) => `${fixed(best('opsroom', z.commands).perSec / z.known, 2)}× (${z.commands} + ${z.hears})`).join(' and ')}.

Latency by kind of message with 500 + 100 (p50 / p99, ms):

| kind | share | Hubot 14 | Opsroom, as wired | Opsroom, audit in memory |
| --- | --- | --- | --- | --- |
${kindRows.join('\n')}

Where Opsroom's time goes with 500 + 100: each part timed on its own, in process CPU time, over the
same messages and through the functions the dispatcher calls; the rest is the chain itself (stages,
promises, building the audit entry, metrics, redaction, the reply). At 10× Hubot's rate Opsroom may
spend **${fixed(budgetUs, 1)} µs of CPU per message** in all; the parts below add up to ${fixed(partsTotal, 1)} µs, against
${fixed(1e6 / big.perCpuSec, 1)} µs measured for the whole path as wired.

| part | calls | CPU µs per call | CPU µs per message of the mix |
| --- | --- | --- | --- |
${partRows.join('\n')}

**Persisted path** (not the comparison: Hubot has no store): ${persisted.messages.toLocaleString('en-US')} messages posted through
\`chat.messages.post\` into SQLite (WAL) with 500 commands + 100 hears; \`message.created\` → the
dispatcher (claim row, execute, audit record) and the hear runner (a claim row per match) → each reply
stored as a message from the bot. One message at a time, from post until its replies are stored:
**${fixed(persisted.perSec, 0)} messages/s**, p50 ${ms(persisted.latency.p50)} ms, p99 ${ms(persisted.latency.p99)} ms, max ${fixed(persisted.latency.max, 1)} ms; ${persisted.replies} replies stored.

Result: ${verdicts.join('; ')}.${notes.length > 0 ? ` Notes: ${notes.join('; ')}.` : ''}
`;
  return { id: 'dispatch', title: 'Bot dispatch: Opsroom against Hubot 14', markdown };
}

export const benchmark: Benchmark = { id: 'dispatch', run: () => run(MESSAGES, ROUNDS) };

// Run directly for a quick look with fewer messages and one round; prints the report, leaves docs/ alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log((await run(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 1))).markdown);
}
