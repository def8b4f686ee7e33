import type { Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';
import { firstAlertIdSince } from './alerts-since.js';
import type { ExistingAlert } from './ingest-sql.js';

/**
 * A known alert, always built here so that every one has the same shape: the index's lookups stay
 * monomorphic (objects spread from others, or rows with a key removed, each had a shape of their own).
 */
export function knownAlert(
  id: number,
  fingerprint: string,
  startsAt: string,
  status: string,
  annotations: string,
  generatorUrl: string | null,
): ExistingAlert {
  return { id, fingerprint, startsAt, status, annotations, generatorUrl };
}

/** How a delivery finds the stored alerts it speaks of. */
export interface AlertLookup {
  exact(fingerprint: string, startsAt: string): ExistingAlert | undefined;
  /** The firing alert with this fingerprint (for alerts sent without a start time). */
  open(fingerprint: string): ExistingAlert | undefined;
}

/**
 * A fingerprint with alerts of several start times, and its firing one (in an overlay, `open: null`
 * says the transaction closed it). A fingerprint with one alert (nearly all) is stored as that alert.
 */
class Slot {
  constructor(
    public alerts: ExistingAlert[],
    public open: ExistingAlert | null | undefined,
  ) {}
}

type Entry = ExistingAlert | Slot;

function exactIn(entry: Entry | undefined, startsAt: string): ExistingAlert | undefined {
  if (entry === undefined) return undefined;
  if (!(entry instanceof Slot)) return entry.startsAt === startsAt ? entry : undefined;
  for (const a of entry.alerts) if (a.startsAt === startsAt) return a;
  return undefined;
}

/** The entry's firing alert; null when an overlay closed it; undefined when it says nothing. */
function openIn(entry: Entry | undefined, overlay: boolean): ExistingAlert | null | undefined {
  if (entry === undefined) return undefined;
  if (entry instanceof Slot) return entry.open;
  return entry.status === 'firing' ? entry : overlay ? null : undefined;
}

/**
 * Puts `alert` in `slots` in place of the alert of its start time; the one it replaced, if any.
 * `overlay`: the firing alert is set or closed (null) by every put, as a transaction's view needs.
 */
function place(slots: Map<string, Entry>, alert: ExistingAlert, overlay: boolean): ExistingAlert | undefined {
  const entry = slots.get(alert.fingerprint);
  if (entry === undefined) {
    slots.set(alert.fingerprint, alert);
    return undefined;
  }
  let slot: Slot;
  if (entry instanceof Slot) slot = entry;
  else if (entry.startsAt === alert.startsAt) {
    slots.set(alert.fingerprint, alert);
    return entry;
  } else {
    slot = new Slot([entry], openIn(entry, overlay));
    slots.set(alert.fingerprint, slot);
  }
  let before: ExistingAlert | undefined;
  const i = slot.alerts.findIndex((a) => a.startsAt === alert.startsAt);
  if (i >= 0) {
    before = slot.alerts[i];
    slot.alerts[i] = alert;
  } else slot.alerts.push(alert);
  if (alert.status === 'firing') slot.open = alert;
  else if (overlay) slot.open = null;
  else if (slot.open?.id === alert.id) slot.open = undefined;
  return before;
}

/**
 * Changes made inside one transaction: visible to later deliveries of it, kept only if it commits.
 * Indexed by integration, then fingerprint (a 16-character key), rather than by one long composed
 * key per lookup: a delivery looks up every one of its alerts here.
 */
export class KnownAlertsOverlay {
  readonly byIntegration = new Map<string, Map<string, Entry>>();
  /** Every alert set, in order, for the commit. */
  readonly changes: { integrationId: string; alert: ExistingAlert }[] = [];

  set(integrationId: string, alert: ExistingAlert): void {
    let slots = this.byIntegration.get(integrationId);
    if (slots === undefined) {
      slots = new Map();
      this.byIntegration.set(integrationId, slots);
    }
    place(slots, alert, true);
    this.changes.push({ integrationId, alert });
  }
}

/**
 * Every firing alert and the recently resolved ones, in memory, so that on SQLite (one process owns the
 * file) a delivery needs no SELECT to tell new alerts from known ones: Alertmanager re-sends every
 * firing alert of a group on each notification, and an HA pair doubles that. Loaded at start (all
 * firing alerts and those created in the last day), updated only after a commit. It is the identity
 * check on SQLite (there is no unique index there, see migration 013): every alert stored with a
 * start time after `horizon` is in it, so a miss on such an alert means new. Rows it does not hold
 * (resolved, and created before the load or dropped since) all started at or before `horizon`:
 * `mayBeStored` says when a miss must be checked against the database. Resolved entries are dropped
 * past `maxResolved`, raising the horizon; firing ones never are. Not used on PostgreSQL, where other
 * nodes write too.
 */
export class KnownAlerts {
  readonly #byIntegration = new Map<string, Map<string, Entry>>();
  #size = 0;
  #resolved = 0;
  /** Moves with every change, so a view's kept entries are never stale. */
  #version = 0;
  /** The latest start time of a stored alert this index may not hold ('' when it holds them all). */
  #horizon = '';

  constructor(private readonly maxResolved = 200_000) {}

  async load(db: Kysely<DB>, sinceIso: string): Promise<void> {
    const columns = [
      'id',
      'integrationId',
      'fingerprint',
      'startsAt',
      'status',
      'annotations',
      'generatorUrl',
    ] as const;
    const integrations = await db.selectFrom('integrations').select('id').execute();
    const rows = [];
    for (const { id } of integrations) {
      rows.push(
        ...(await db
          .selectFrom('alerts')
          .select(columns)
          .where('integrationId', '=', id)
          .where('status', '=', 'firing')
          .execute()),
      );
    }
    // Recent alerts are those from the first id created since `sinceIso` on (no index on created_at);
    // the split below uses the same id, so every row is on exactly one side.
    const since = await firstAlertIdSince(db, sinceIso);
    if (since !== undefined) {
      rows.push(...(await db.selectFrom('alerts').select(columns).where('id', '>=', since).execute()));
    }
    for (const { id } of integrations) {
      // The rows not loaded are resolved ones before that id: the latest start among them. Walking
      // the (integration_id, starts_at) index backwards stops at the first such row.
      let older = db
        .selectFrom('alerts')
        .select('startsAt')
        .where('integrationId', '=', id)
        .where('status', '<>', 'firing');
      if (since !== undefined) older = older.where('id', '<', since);
      const latest = await older.orderBy('startsAt', 'desc').limit(1).executeTakeFirst();
      if (latest !== undefined) this.#raiseHorizon(latest.startsAt);
    }
    for (const r of rows) {
      this.#put(
        r.integrationId,
        knownAlert(r.id, r.fingerprint, r.startsAt, r.status, r.annotations, r.generatorUrl),
      );
    }
  }

  view(integrationId: string, overlay: KnownAlertsOverlay): AlertLookup {
    const base = this.#byIntegration.get(integrationId);
    const pending = overlay.byIntegration.get(integrationId);
    // A new alert is looked up twice in a row (its start, then its fingerprint's firing one): the
    // entries of the last fingerprint are kept until it, the overlay or the index changes.
    let lastFingerprint: string | undefined;
    let lastChanges = -1;
    let lastVersion = -1;
    let inPending: Entry | undefined;
    let inBase: Entry | undefined;
    const fetch = (fingerprint: string) => {
      if (
        fingerprint === lastFingerprint &&
        overlay.changes.length === lastChanges &&
        this.#version === lastVersion
      )
        return;
      lastFingerprint = fingerprint;
      lastChanges = overlay.changes.length;
      lastVersion = this.#version;
      inPending = pending?.get(fingerprint);
      inBase = base?.get(fingerprint);
    };
    return {
      exact: (fingerprint, startsAt) => {
        fetch(fingerprint);
        return exactIn(inPending, startsAt) ?? exactIn(inBase, startsAt);
      },
      open: (fingerprint) => {
        fetch(fingerprint);
        const changed = openIn(inPending, true);
        return changed === null ? undefined : (changed ?? openIn(inBase, false) ?? undefined);
      },
    };
  }

  commit(overlay: KnownAlertsOverlay): void {
    for (const { integrationId, alert } of overlay.changes) this.#put(integrationId, alert);
  }

  /** Alerts resolved outside a delivery (the Resolve button). */
  markResolved(alerts: readonly { integrationId: string; fingerprint: string; startsAt: string }[]): void {
    for (const a of alerts) {
      const known = exactIn(this.#byIntegration.get(a.integrationId)?.get(a.fingerprint), a.startsAt);
      if (known) {
        const { id, fingerprint, startsAt, annotations, generatorUrl } = known;
        this.#put(
          a.integrationId,
          knownAlert(id, fingerprint, startsAt, 'resolved', annotations, generatorUrl),
        );
      }
    }
  }

  get size(): number {
    return this.#size;
  }

  /** The latest start time of a stored alert that may be missing here ('' when none is). */
  get horizon(): string {
    return this.#horizon;
  }

  /** Whether a stored alert with this start time may be missing here (then a miss is checked). */
  mayBeStored(startsAt: string): boolean {
    return startsAt <= this.#horizon;
  }

  /**
   * This index is the identity check on SQLite, and holds every stored alert that started after its
   * horizon. A miss on an older start time may be a row it dropped or never loaded: `stored` reads
   * that row, which is known from then on (a few per restart or eviction, never on the hot path,
   * where the horizon is in the past).
   */
  recall(
    integrationId: string,
    alerts: readonly { fingerprint: string; startsAt: string | undefined }[],
    overlay: KnownAlertsOverlay,
    stored: (integrationId: string, startsAt: string, fingerprint: string) => ExistingAlert | undefined,
  ): void {
    let lookup: AlertLookup | undefined;
    for (const p of alerts) {
      if (p.startsAt === undefined || !this.mayBeStored(p.startsAt)) continue;
      lookup ??= this.view(integrationId, overlay);
      if (lookup.exact(p.fingerprint, p.startsAt) !== undefined) continue;
      const row = stored(integrationId, p.startsAt, p.fingerprint);
      if (row === undefined) continue;
      this.remember(
        integrationId,
        knownAlert(row.id, row.fingerprint, row.startsAt, row.status, row.annotations, row.generatorUrl),
      );
    }
  }

  /** A row read from the database (committed): known from now on, whatever the transaction does. */
  remember(integrationId: string, alert: ExistingAlert): void {
    this.#put(integrationId, alert);
  }

  #raiseHorizon(startsAt: string): void {
    if (startsAt > this.#horizon) this.#horizon = startsAt;
  }

  #put(integrationId: string, alert: ExistingAlert): void {
    this.#version++;
    let slots = this.#byIntegration.get(integrationId);
    if (slots === undefined) {
      slots = new Map();
      this.#byIntegration.set(integrationId, slots);
    }
    const before = place(slots, alert, false);
    if (before === undefined) this.#size++;
    else if (before.status === 'resolved') this.#resolved--;
    if (alert.status === 'firing') return;
    this.#resolved++;
    if (this.#resolved > this.maxResolved) this.#dropResolved();
  }

  #dropResolved(): void {
    for (const slots of this.#byIntegration.values()) {
      for (const [fingerprint, entry] of slots) {
        if (!(entry instanceof Slot)) {
          if (entry.status === 'resolved') {
            this.#raiseHorizon(entry.startsAt);
            slots.delete(fingerprint);
            this.#size--;
          }
          continue;
        }
        for (const a of entry.alerts) if (a.status === 'resolved') this.#raiseHorizon(a.startsAt);
        const kept = entry.alerts.filter((a) => a.status !== 'resolved');
        this.#size -= entry.alerts.length - kept.length;
        if (kept.length === 0 && entry.open == null) slots.delete(fingerprint);
        else entry.alerts = kept;
      }
    }
    this.#resolved = 0;
  }
}
