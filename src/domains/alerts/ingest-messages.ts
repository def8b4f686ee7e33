// The messages between the main thread, the ingest thread (ingest-thread.ts) and its parse thread
// (parse-thread.ts). Every delivery goes main → ingest thread, one port, in order. An idle ingest thread
// parses it itself (no extra hop: the lowest latency); a busy one hands the raw bytes on to the parse
// thread and gets them back parsed, checked and routed (delivery-wire.ts), so a storm's parsing runs
// beside its writes. The ingest thread writes deliveries in the order they reached it, whichever
// thread parsed them (delivery-order.ts).
import type { Integration } from '../integrations/schema.js';
import type { PackedDelivery } from './delivery-wire.js';
import type { PackedFacts } from './facts-wire.js';
import type { WriteOutcome } from './ingest-classify.js';
import type { Prepared } from './ingest-prepare.js';
import type { PayloadKind } from './prepare-delivery.js';
import type { RouteSpec } from './routing.js';

export interface ResolvedIdentity {
  integrationId: string;
  fingerprint: string;
  startsAt: string;
}

/** Main thread → ingest thread. `nowMs` is the main thread's clock (the threads have none of their own). */
export type ToIngestThread =
  | { type: 'body'; id: number; nowMs: number; kind: PayloadKind; integration: Integration; body: Uint8Array }
  | { type: 'prepared'; id: number; nowMs: number; integration: Integration; prepared: Prepared[] }
  | { type: 'resolved'; alerts: ResolvedIdentity[] }
  | { type: 'room'; id: number; roomId?: string; error?: string }
  | { type: 'close' };

/** Ingest thread → parse thread (over their own channel): a body to parse, or the end. */
export type ToParseThread =
  | { type: 'body'; id: number; nowMs: number; kind: PayloadKind; body: Uint8Array }
  | { type: 'close' };

/** Parse thread → ingest thread: the delivery parsed and routed, or why it was refused. */
export type FromParseThread =
  | { type: 'packed'; id: number; sourceUrl: string | undefined; delivery: PackedDelivery }
  | { type: 'failed'; id: number; error: ThreadError };

export interface ThreadError {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
}

/** A WriteOutcome as the thread sends it: the alerts fired and resolved packed (facts-wire.ts). */
export type WireOutcome = Omit<WriteOutcome, 'fired' | 'resolvedAlerts'> & {
  fired: PackedFacts;
  resolvedAlerts: PackedFacts;
};

/** Either thread → main thread (the parse thread sends only `ready` and `error`). */
export type FromThread =
  | { type: 'ready' }
  | { type: 'done'; id: number; outcome: WireOutcome }
  | { type: 'failed'; id: number; error: ThreadError }
  | { type: 'room'; id: number; name: string }
  | { type: 'error'; error: ThreadError; step: string }
  | { type: 'closed' };

/** What the parse thread is started with. */
export interface ParseThreadData {
  route: RouteSpec;
  limits: { maxAlerts: number; maxLabels: number };
}

export function threadError(error: unknown): ThreadError {
  const e = error as { name?: string; message?: string; code?: unknown; details?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(e?.details !== undefined ? { details: e.details } : {}),
  };
}
