// The timing loop of the dispatch benchmark: messages one after another, each timed from hand-over to
// the bot until its replies are delivered; throughput is messages over the whole loop's time.

import type { BenchMessage, MessageKind } from './dispatch-workload.js';
import { summarize } from './harness.js';

export interface Timing {
  p50: number;
  p99: number;
  max: number;
}

export interface DispatchResult {
  messages: number;
  seconds: number;
  perSec: number;
  /** Process CPU time (user + system, all threads) over the same loop, and messages per CPU-second: */
  cpuSeconds: number;
  /** a rate the machine's other load hardly moves, unlike the wall-clock one. */
  perCpuSec: number;
  /** Milliseconds per message, over all messages. */
  latency: Timing;
  /** Milliseconds per message, by kind of message. */
  byKind: Partial<Record<MessageKind, Timing & { count: number }>>;
}

function timing(samples: number[]): Timing {
  const { p50, p99, max } = summarize(samples);
  return { p50, p99, max };
}

export async function measure(
  receive: (text: string) => Promise<void>,
  messages: readonly BenchMessage[],
  warmup: readonly BenchMessage[],
  /** Work that the run leaves behind (e.g. queued audit records), counted in the total time. */
  settle: () => Promise<void> = async () => {},
): Promise<DispatchResult> {
  for (const message of warmup) await receive(message.text);
  await settle();
  const latencies = new Float64Array(messages.length);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < messages.length; i++) {
    const t0 = performance.now();
    await receive(messages[i]!.text);
    latencies[i] = performance.now() - t0;
  }
  await settle();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const byKind: DispatchResult['byKind'] = {};
  const kinds = new Map<MessageKind, number[]>();
  for (let i = 0; i < messages.length; i++) {
    const kind = messages[i]!.kind;
    const list = kinds.get(kind) ?? [];
    list.push(latencies[i]!);
    kinds.set(kind, list);
  }
  for (const [kind, list] of kinds) byKind[kind] = { ...timing(list), count: list.length };
  return {
    messages: messages.length,
    seconds,
    perSec: messages.length / seconds,
    cpuSeconds,
    perCpuSec: messages.length / cpuSeconds,
    latency: timing(Array.from(latencies)),
    byKind,
  };
}
