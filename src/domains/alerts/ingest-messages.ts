// The messages between the main thread, the parse thread (parse-thread.ts) and the ingest thread
// (ingest-thread.ts). A delivery goes main → parse → ingest → main: the parse thread parses, checks
// and routes it and hands it on packed (delivery-wire.ts); the ingest thread writes it and answers the
// main thread. Everything that must keep its place among the deliveries (a resolve from the Resolve
// button, the close) takes the same way, so it reaches the ingest thread in the order it was sent.
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

/** Main thread → parse thread. `nowMs` is the main thread's clock (the threads have none of their own). */
export type ToParseThread =
  | { type: 'body'; id: number; nowMs: number; kind: PayloadKind; integration: Integration; body: Uint8Array }
  | { type: 'prepared'; id: number; nowMs: number; integration: Integration; prepared: Prepared[] }
  | { type: 'resolved'; alerts: ResolvedIdentity[] }
  | { type: 'close' };

/** Parse thread → ingest thread (over their own channel). */
export type ToIngestThread =
  | {
      type: 'packed';
      id: number;
      nowMs: number;
      integration: Integration;
      sourceUrl: string | undefined;
      delivery: PackedDelivery;
    }
  | { type: 'resolved'; alerts: ResolvedIdentity[] }
  | { type: 'close' };

/** Main thread → ingest thread: the answer to its request for a room. */
export type RoomAnswer = { type: 'room'; id: number; roomId?: string; error?: string };

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

/** Either thread → main thread (only the ingest thread sends `done`, `room` and `closed`). */
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
