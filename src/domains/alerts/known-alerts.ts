import type { Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { ExistingAlert } from './ingest-sql.js';

/** How a delivery finds the stored alerts it speaks of. */
export interface AlertLookup {
  exact(fingerprint: string, startsAt: string): ExistingAlert | undefined;
  /** The firing alert with this fingerprint (for alerts sent without a start time). */
  open(fingerprint: string): ExistingAlert | undefined;
}

const SEP = '\u0000';

/** Changes made inside one transaction: visible to later deliveries of it, kept only if it commits. */
export class KnownAlertsOverlay {
  readonly byKey = new Map<string, ExistingAlert>();
  readonly open = new Map<string, ExistingAlert | null>();

  set(integrationId: string, alert: ExistingAlert): void {
    this.byKey.set(integrationId + SEP + alert.fingerprint + SEP + alert.startsAt, alert);
    const openKey = integrationId + SEP + alert.fingerprint;
    if (alert.status === 'firing') this.open.set(openKey, alert);
    else if (this.open.has(openKey) || alert.status === 'resolved') this.open.set(openKey, null);
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
  readonly #byKey = new Map<string, ExistingAlert>();
  readonly #open = new Map<string, ExistingAlert>();
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
    return {
      exact: (fingerprint, startsAt) => {
        const key = integrationId + SEP + fingerprint + SEP + startsAt;
        return overlay.byKey.get(key) ?? this.#byKey.get(key);
      },
      open: (fingerprint) => {
        const key = integrationId + SEP + fingerprint;
        const pending = overlay.open.get(key);
        return pending === null ? undefined : (pending ?? this.#open.get(key));
      },
    };
  }

  commit(overlay: KnownAlertsOverlay): void {
    for (const [key, alert] of overlay.byKey) {
      const integrationId = key.slice(0, key.indexOf(SEP));
      this.#put(integrationId, alert);
    }
  }

  /** Alerts resolved outside a delivery (the Resolve button). */
  markResolved(alerts: readonly { integrationId: string; fingerprint: string; startsAt: string }[]): void {
    for (const a of alerts) {
      const known = this.#byKey.get(a.integrationId + SEP + a.fingerprint + SEP + a.startsAt);
      if (known) this.#put(a.integrationId, { ...known, status: 'resolved' });
    }
  }

  get size(): number {
    return this.#byKey.size;
  }

  #put(integrationId: string, alert: ExistingAlert): void {
    const key = integrationId + SEP + alert.fingerprint + SEP + alert.startsAt;
    const before = this.#byKey.get(key);
    if (before?.status === 'resolved') this.#resolved--;
    this.#byKey.set(key, alert);
    const openKey = integrationId + SEP + alert.fingerprint;
    if (alert.status === 'firing') {
      this.#open.set(openKey, alert);
      return;
    }
    if (this.#open.get(openKey)?.id === alert.id) this.#open.delete(openKey);
    this.#resolved++;
    if (this.#resolved > this.maxResolved) this.#dropResolved();
  }

  #dropResolved(): void {
    for (const [key, alert] of this.#byKey) {
      if (alert.status === 'resolved') this.#byKey.delete(key);
    }
    this.#resolved = 0;
  }
}
