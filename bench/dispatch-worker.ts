// One side of the dispatch benchmark in a process of its own, so neither bot's heap, JIT state or
// garbage shares a process with the other: `node --import tsx bench/dispatch-worker.ts
// hubot|opsroom|opsroom-memory-audit|opsroom-persisted|opsroom-breakdown <commands> <hears> <messages> [kinds]`. Prints one JSON line (WorkerResult).
import type { Part } from './dispatch-breakdown.js';
import { type DispatchResult, measure } from './dispatch-measure.js';
import { RoomSink } from './dispatch-sink.js';
import { type BenchMessage, commandSpecs, hearSpecs, messageMix } from './dispatch-workload.js';

export type Side = 'hubot' | 'opsroom' | 'opsroom-memory-audit' | 'opsroom-persisted' | 'opsroom-breakdown';

export interface WorkerResult extends DispatchResult {
  side: Side;
  commands: number;
  hears: number;
  /** Listeners the bot holds (Hubot: respond + hear + its built-ins; Opsroom: commands + hears). */
  listeners: number;
  replies: number;
  /** The last few replies, to show both bots did the work. */
  sample: string[];
  /** Anything the side could not include, or set differently from the defaults. */
  notes: string[];
  /** opsroom-breakdown only: each part of the path timed on its own. */
  parts?: Part[];
}

const WARMUP = 5_000;

async function main(): Promise<WorkerResult> {
  const [side, commandCount, hearCount, messageCount, only] = process.argv.slice(2);
  const commands = commandSpecs(Number(commandCount));
  const hears = hearSpecs(Number(hearCount));
  // For profiling one path: an optional comma-separated list of kinds keeps only those messages.
  const keep = only === undefined ? () => true : (m: BenchMessage) => only.split(',').includes(m.kind);
  const messages = messageMix(commands, hears, Number(messageCount), 1).filter(keep);
  const warmup = messageMix(commands, hears, Math.min(WARMUP, Number(messageCount)), 2).filter(keep);
  const sink = new RoomSink();
  if (side === 'hubot') {
    const { startHubot } = await import('./dispatch-hubot.js');
    const bot = await startHubot(commands, hears, sink);
    try {
      const result = await measure(bot.receive, messages, warmup);
      return finish('hubot', result, bot.listeners, sink, []);
    } finally {
      bot.close();
    }
  }
  if (side === 'opsroom-breakdown') {
    const { startOpsroomBot } = await import('./dispatch-opsroom.js');
    const { breakdown } = await import('./dispatch-breakdown.js');
    const bot = await startOpsroomBot(commands, hears, sink, 'memory');
    try {
      for (const message of warmup) await bot.receive(message.text);
      const parts = await breakdown(bot.context!, messages);
      const none = { p50: 0, p99: 0, max: 0 };
      return {
        ...finish(
          side,
          {
            messages: messages.length,
            seconds: 0,
            perSec: 0,
            cpuSeconds: 0,
            perCpuSec: 0,
            latency: none,
            byKind: {},
          },
          bot.listeners,
          sink,
          bot.notes,
        ),
        parts,
      };
    } finally {
      await bot.close();
    }
  }
  if (side === 'opsroom' || side === 'opsroom-memory-audit' || side === 'opsroom-persisted') {
    const { startOpsroomBot } = await import('./dispatch-opsroom.js');
    const mode = side === 'opsroom' ? 'memory' : side === 'opsroom-persisted' ? 'persisted' : 'memory-audit';
    const bot = await startOpsroomBot(commands, hears, sink, mode);
    try {
      const result = await measure(bot.receive, messages, warmup, bot.settle);
      return finish(side, result, bot.listeners, bot.sink ?? sink, bot.notes);
    } finally {
      await bot.close();
    }
  }
  throw new Error(`unknown side '${side}'`);

  function finish(
    s: Side,
    result: DispatchResult,
    listeners: number,
    out: { count: number; tail: string[] },
    notes: string[],
  ): WorkerResult {
    return {
      side: s,
      commands: commands.length,
      hears: hears.length,
      listeners,
      ...result,
      replies: out.count,
      sample: out.tail.slice(-4),
      notes,
    };
  }
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
process.exit(0);
