import { SHOWN_ALERTS } from './card.js';
import type { TotalsRow } from './group-queries.js';
import type { Prepared } from './ingest-prepare.js';
import {
  alertRow,
  type FlushRead,
  GROUP_COLUMNS,
  type GroupRow,
  type ShownRow,
} from './sqlite-alert-statements.js';

// A new group's first flush, read without the database. On SQLite the ingest thread writes on a
// connection of its own, and SQLite drops a connection's whole page cache at its first read after
// another connection's commit: the main thread's flush of a group the ingest thread has just opened
// read its row, its counts and its card's alerts from cold pages (a tenth of the main thread's work
// in an alert storm, docs/benchmarks.md). The ingest thread wrote those rows and still holds them, so
// with group_wait 0 it sends what that flush would read with the delivery's outcome; the flush takes
// it instead of reading. Only while nothing else changed the group: a later delivery that touches the
// group or a change from the main thread (an ack, a mute: they ask for a flush) drops it first.

/**
 * A first read as it travels from the ingest thread: the group's columns in GROUP_COLUMNS order and
 * the card's alerts as rows of values. A worker message writes every key of every object out and
 * reads it back, and the thread that writes this one is the busiest of the pipeline.
 */
export interface PackedFirstRead {
  group: GroupRow[keyof GroupRow][];
  totals: TotalsRow[];
  shown: ShownRow[];
}

/** What the first flush of a group opened by a delivery would read (`flushRead`), built from the delivery. */
export function firstRead(group: GroupRow, members: readonly { id: number; p: Prepared }[]): PackedFirstRead {
  const sorted = [...members].sort((a, b) => a.id - b.id);
  const totals = new Map<string, TotalsRow>();
  for (const { p } of sorted) {
    const row = totals.get(p.status);
    if (row === undefined)
      totals.set(p.status, { status: p.status, muted: null, noticed: 0, n: 1, started: p.startsAt! });
    else {
      row.n = Number(row.n) + 1;
      if (p.startsAt! < row.started) row.started = p.startsAt!;
    }
  }
  // As shownAlerts: firing ones first, then the others, each by id.
  const firing = sorted.filter((m) => m.p.status === 'firing');
  const others = sorted.filter((m) => m.p.status !== 'firing');
  const shown = [...firing, ...others].slice(0, SHOWN_ALERTS + 1).map(({ id, p }) => shownRow(id, p));
  return { group: GROUP_COLUMNS.map((c) => group[c]), totals: [...totals.values()], shown };
}

/** An alert as stored by insertAlerts (muted: null; the room has not been told). */
function shownRow(id: number, p: Prepared): ShownRow {
  return [
    id,
    p.status,
    p.severity,
    p.labelsJson,
    p.annotationsJson,
    p.startsAt!,
    p.generatorUrl,
    null,
    0,
    p.fingerprint,
    p.alertname,
  ];
}

/** The read a flush takes, unpacked on the main thread. */
export function unpackFirstRead(packed: PackedFirstRead): FlushRead {
  const group = Object.fromEntries(GROUP_COLUMNS.map((c, i) => [c, packed.group[i]])) as unknown as GroupRow;
  return { group, totals: packed.totals, shown: packed.shown.map(alertRow) };
}

/** Kept at most: a flush that never comes (the process stops) must not leave them forever. */
const MAX_KEPT = 2000;

/**
 * The first reads sent with deliveries' outcomes, on the main thread, until their flush takes them.
 * `note` runs for every outcome in delivery order, before its flush timers are armed.
 */
export class FirstReads {
  readonly #byGroup = new Map<number, PackedFirstRead>();
  /** First reads flushes took instead of reading the database. */
  taken = 0;

  /** A delivery's outcome: the groups it touched lose what they had, the groups it opened get theirs. */
  note(touched: readonly number[], reads: readonly PackedFirstRead[] | undefined): void {
    this.drop(touched);
    for (const read of reads ?? []) this.#byGroup.set(read.group[0] as number, read);
    for (const id of this.#byGroup.keys()) {
      if (this.#byGroup.size <= MAX_KEPT) break;
      this.#byGroup.delete(id);
    }
  }

  /** Something else changed these groups: their flush reads the database. */
  drop(groupIds: readonly number[]): void {
    if (this.#byGroup.size === 0) return;
    for (const id of groupIds) this.#byGroup.delete(id);
  }

  /** The group's first read, once. */
  take(groupId: number): FlushRead | undefined {
    const read = this.#byGroup.get(groupId);
    if (read === undefined) return undefined;
    this.#byGroup.delete(groupId);
    this.taken++;
    return unpackFirstRead(read);
  }

  get size(): number {
    return this.#byGroup.size;
  }
}
