import type { Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { ExistingAlert } from './ingest-sql.js';

/** How a delivery finds the stored alerts it speaks of. */
export interface AlertLookup {
  exact(fingerprint: string, startsAt: string): ExistingAlert | undefined;
  /** The firing alert with this fingerprint (for alerts sent without a start time). */
  open(fingerprint: string): ExistingAlert | undefined;
}

/** A fingerprint's alerts (one per start time; nearly always one) and the firing one, if any. */
interface Slot {
  alerts: ExistingAlert[];
  open: ExistingAlert | undefined;
}

/** In an overlay, `open: null` says the transaction closed the fingerprint's open alert. */
interface OverlaySlot {
  alerts: ExistingAlert[];
  open: ExistingAlert | null | undefined;
}

function byStart<T extends { alerts: ExistingAlert[] }>(slot: T | undefined, startsAt: string) {
  if (slot === undefined) return undefined;
  for (const a of slot.alerts) if (a.startsAt === startsAt) return a;
  return undefined;
}

/** Puts `alert` in place of the one with its start time (returned), or appends it. */
function place(list: ExistingAlert[], alert: ExistingAlert): ExistingAlert | undefined {
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.startsAt === alert.startsAt) {
      const before = list[i];
      list[i] = alert;
      return before;
    }
  }
  list.push(alert);
  return undefined;
}

/**
 * Changes made inside one transaction: visible to later deliveries of it, kept only if it commits.
 * Indexed by integration, then fingerprint (a 16-character key), rather than by one long composed
 * key per lookup: a delivery looks up every one of its alerts here.
 */
export class KnownAlertsOverlay {
  readonly byIntegration = new Map<string, Map<string, OverlaySlot>>();

  set(integrationId: string, alert: ExistingAlert): void {
    let slots = this.byIntegration.get(integrationId);
    if (slots === undefined) {
      slots = new Map();
      this.byIntegration.set(integrationId, slots);
    }
    let slot = slots.get(alert.fingerprint);
    if (slot === undefined) {
      slot = { alerts: [], open: undefined };
      slots.set(alert.fingerprint, slot);
    }
    place(slot.alerts, alert);
    slot.open = alert.status === 'firing' ? alert : null;
  }
}

/**
 * Every firing alert and the recently resolved ones, in memory, so that on SQLite (one process owns the
 * file) a delivery needs no SELECT to tell new alerts from known ones: Alertmanager re-sends every
 * firing alert of a group on each notification, and an HA pair doubles that. Loaded at start (all
 * firing alerts and those created in the last day), updated only after a commit. A miss means new: if
 * the row exists after all (resolved long ago and forgotten), the insert's ON CONFLICT DO NOTHING
 * keeps it, and "resolved" is final for (fingerprint, startsAt) anyway. Resolved entries are dropped
 * past `maxResolved`; firing ones never are. Not used on PostgreSQL, where other nodes write too.
 */
export class KnownAlerts {
  readonly #byIntegration = new Map<string, Map<string, Slot>>();
  #size = 0;
  #resolved = 0;

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
    rows.push(
      ...(await db.selectFrom('alerts').select(columns).where('createdAt', '>=', sinceIso).execute()),
    );
    for (const { integrationId, ...alert } of rows) this.#put(integrationId, alert);
  }

  view(integrationId: string, overlay: KnownAlertsOverlay): AlertLookup {
    const base = this.#byIntegration.get(integrationId);
    const pending = overlay.byIntegration.get(integrationId);
    return {
      exact: (fingerprint, startsAt) =>
        byStart(pending?.get(fingerprint), startsAt) ?? byStart(base?.get(fingerprint), startsAt),
      open: (fingerprint) => {
        const changed = pending?.get(fingerprint)?.open;
        return changed === null ? undefined : (changed ?? base?.get(fingerprint)?.open);
      },
    };
  }

  commit(overlay: KnownAlertsOverlay): void {
    for (const [integrationId, slots] of overlay.byIntegration) {
      for (const slot of slots.values()) for (const alert of slot.alerts) this.#put(integrationId, alert);
    }
  }

  /** Alerts resolved outside a delivery (the Resolve button). */
  markResolved(alerts: readonly { integrationId: string; fingerprint: string; startsAt: string }[]): void {
    for (const a of alerts) {
      const known = byStart(this.#byIntegration.get(a.integrationId)?.get(a.fingerprint), a.startsAt);
      if (known) this.#put(a.integrationId, { ...known, status: 'resolved' });
    }
  }

  get size(): number {
    return this.#size;
  }

  #put(integrationId: string, alert: ExistingAlert): void {
    let slots = this.#byIntegration.get(integrationId);
    if (slots === undefined) {
      slots = new Map();
      this.#byIntegration.set(integrationId, slots);
    }
    let slot = slots.get(alert.fingerprint);
    if (slot === undefined) {
      slot = { alerts: [], open: undefined };
      slots.set(alert.fingerprint, slot);
    }
    const before = place(slot.alerts, alert);
    if (before === undefined) this.#size++;
    else if (before.status === 'resolved') this.#resolved--;
    if (alert.status === 'firing') {
      slot.open = alert;
      return;
    }
    if (slot.open?.id === alert.id) slot.open = undefined;
    this.#resolved++;
    if (this.#resolved > this.maxResolved) this.#dropResolved();
  }

  #dropResolved(): void {
    for (const slots of this.#byIntegration.values()) {
      for (const [fingerprint, slot] of slots) {
        const kept = slot.alerts.filter((a) => a.status !== 'resolved');
        this.#size -= slot.alerts.length - kept.length;
        if (kept.length === 0 && slot.open === undefined) slots.delete(fingerprint);
        else slot.alerts = kept;
      }
    }
    this.#resolved = 0;
  }
}
