import type { ScheduledTask } from '../../runtime/scheduler.js';
import type { Prepared } from './ingest-prepare.js';
import type { ExistingAlert } from './ingest-sql.js';
import type { AlertLookup } from './known-alerts.js';

// What a delivery does with each of its alerts, given what is stored: one set of rules, used by the
// transaction that writes (ingest.ts #write) and by the check that a batch has nothing to write.

export interface IngestResult {
  received: number;
  created: number;
  resolved: number;
  updated: number;
  unchanged: number;
  /** Groups whose card this delivery changes (new ones wait for group_wait). */
  groups: number[];
}

/** What one delivery's write gives back to its caller once committed. */
/** What the steps after a commit need to know of an alert (all an ingest thread sends back). */
export type AlertFacts = Pick<Prepared, 'fingerprint' | 'alertname' | 'severity' | 'labels'>;

export interface WriteOutcome {
  result: IngestResult;
  tasks: ScheduledTask[];
  fired: { id: number; p: AlertFacts }[];
  resolvedAlerts: { id: number; p: AlertFacts }[];
}

export type Verdict = 'insert' | 'resolve' | 'update' | 'unchanged';

/** The stored alert a prepared one speaks of: by (fingerprint, start), or the open one without a start. */
export function storedOf(p: Prepared, lookup: AlertLookup): ExistingAlert | undefined {
  return p.startsAt === undefined ? lookup.open(p.fingerprint) : lookup.exact(p.fingerprint, p.startsAt);
}

export function verdictOf(p: Prepared, found: ExistingAlert | undefined): Verdict {
  // "Resolve X" with nothing open for X (a heartbeat that beats on time): nothing to record.
  if (!found) return p.status === 'resolved' && p.startsAt === undefined ? 'unchanged' : 'insert';
  // Resolved is final for (fingerprint, startsAt): a late "firing" from the other half of an HA pair
  // must not reopen it; a new firing comes with a new startsAt.
  if (found.status === 'resolved') return 'unchanged';
  if (p.status === 'resolved') return 'resolve';
  return found.annotations !== p.annotationsJson || found.generatorUrl !== p.generatorUrl
    ? 'update'
    : 'unchanged';
}

/** The outcome of a delivery all of whose alerts are left as stored. */
export function unchangedOutcome(received: number): WriteOutcome {
  return {
    result: { received, created: 0, resolved: 0, updated: 0, unchanged: received, groups: [] },
    tasks: [],
    fired: [],
    resolvedAlerts: [],
  };
}
