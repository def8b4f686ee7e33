import type { ScheduledTask } from '../../runtime/scheduler.js';
import { CARD_ANNOTATIONS } from './card.js';
import type { PackedFirstRead } from './first-reads.js';
import type { Prepared } from './ingest-prepare.js';
import type { ExistingAlert } from './ingest-sql.js';
import type { AlertLookup } from './known-alerts.js';

// What a delivery does with each of its alerts, given what is stored: one set of rules, used by the
// transaction that writes (writeDelivery, delivery-write.ts) and by the check that a batch has nothing to write.

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
export type AlertFacts = Pick<Prepared, 'fingerprint' | 'alertname' | 'severity' | 'labels' | 'labelsJson'>;

export interface WriteOutcome {
  result: IngestResult;
  tasks: ScheduledTask[];
  fired: { id: number; p: AlertFacts }[];
  resolvedAlerts: { id: number; p: AlertFacts }[];
  /** SQLite: what the first flush of each group opened here would read (first-reads.ts). */
  firstReads?: PackedFirstRead[] | undefined;
  /** The sending Alertmanager's address (PreparedDelivery.sourceUrl), told to the reconciler. */
  sourceUrl?: string | undefined;
  /** The IP address the body came from: where the reconciler asks when `sourceUrl` is unreachable. */
  senderAddress?: string | undefined;
}

export type Verdict = 'insert' | 'resolve' | 'update' | 'unchanged';

/**
 * The stored alert a prepared one speaks of: by (fingerprint, start), else the open (firing) one with its
 * fingerprint. An integration has at most one firing alert per fingerprint, as Alertmanager keeps one:
 * each half of an HA pair stamps its own start on an alert its client sent without one (amtool, curl),
 * so one alert arrives with two starts a few milliseconds apart, and was stored, counted and listed
 * twice. A resolve matches the open alert only if it ended after that alert started (else it speaks
 * of an earlier firing, and is stored as its own resolved row as before).
 */
export function storedOf(p: Prepared, lookup: AlertLookup): ExistingAlert | undefined {
  if (p.startsAt === undefined) return lookup.open(p.fingerprint);
  const exact = lookup.exact(p.fingerprint, p.startsAt);
  if (exact !== undefined) return exact;
  const open = lookup.open(p.fingerprint);
  if (open === undefined) return undefined;
  if (p.status === 'resolved' && p.endsAt !== null && p.endsAt < open.startsAt) return undefined;
  return open;
}

/** Whether an update (verdict `update`) changes what a card shows of the alert (CARD_ANNOTATIONS, link). */
export function cardSeesChange(found: ExistingAlert, p: Prepared): boolean {
  if (found.generatorUrl !== p.generatorUrl) return true;
  const before = JSON.parse(found.annotations) as Record<string, string | undefined>;
  const after = JSON.parse(p.annotationsJson) as Record<string, string | undefined>;
  for (const key of CARD_ANNOTATIONS) if (before[key] !== after[key]) return true;
  return false;
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
