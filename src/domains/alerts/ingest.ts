import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { Scheduler } from '../../runtime/scheduler.js';
import type { DB } from '../../storage/tables.js';
import type { Integration } from '../integrations/schema.js';
import { type DeliveryToWrite, writeDelivery } from './delivery-write.js';
import { AlertFiredPayload } from './events.js';
import type { FirstReads } from './first-reads.js';
import type { FlapDetector } from './flap-detector.js';
import {
  type IngestResult,
  storedOf,
  unchangedOutcome,
  verdictOf,
  type WriteOutcome,
} from './ingest-classify.js';
import { type Prepared, prepareAlerts } from './ingest-prepare.js';
import type { Ingestion, SenderAddress } from './ingestion-port.js';
import type { Inhibitor } from './inhibition.js';
import { type KnownAlerts, KnownAlertsOverlay } from './known-alerts.js';
import { type PayloadKind, prepareDelivery } from './prepare-delivery.js';
import { type RoutedGroup, routeAlerts } from './routed-delivery.js';
import type { AlertRouter } from './routing.js';
import type { IncomingAlert } from './schema.js';
import type { SqliteAlertStatements } from './sqlite-alert-statements.js';

export { FLUSH_TASK, flushKey } from './delivery-write.js';
export type { IngestResult } from './ingest-classify.js';

export interface IngestLimits {
  maxAlerts: number;
  maxLabels: number;
}

export interface IngestDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  scheduler: Scheduler;
  router: () => AlertRouter;
  inhibitor: Inhibitor;
  flap: FlapDetector;
  /** A room name to its id, making the room when it does not exist. */
  roomId: (name: string) => Promise<string>;
  limits: IngestLimits;
  /** The in-memory index of known alerts (SQLite, where this process is the only writer). */
  known?: KnownAlerts | undefined;
  /** SQLite: the hot writes as cached prepared statements (PostgreSQL: Kysely, multi-row). */
  statements?: SqliteAlertStatements | undefined;
  /** After a commit that resolved alerts: groups muted by an inhibitor that may have ended get a flush. */
  afterResolved?: () => Promise<void>;
  /** What new groups' first flushes would read, handed from the write to the notifier (first-reads.ts). */
  firstReads?: FirstReads | undefined;
  /** At most this many alerts share one transaction (default GROUP_COMMIT_ALERTS). */
  groupCommitAlerts?: number;
  /** After a delivery from an Alertmanager: its address, for the reconciler (reconcile.ts). */
  senderSeen?:
    | ((integration: Integration, url: string, address: string | undefined) => Promise<void> | undefined)
    | undefined;
}

interface PendingWrite extends DeliveryToWrite {
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

/** At most this many alerts share one transaction, by default. */
const GROUP_COMMIT_ALERTS = 5000;

/**
 * The pipeline's write half, for one delivery: normalise → fingerprint → idempotent upsert keyed by
 * (integration, fingerprint, startsAt) → groups (routing tree, group_by) → alert events → flush timers,
 * all in ONE transaction, with a handful of statements per delivery whatever its size (selects with IN
 * lists, multi-row inserts). A delivery that repeats what is stored (Alertmanager's repeat_interval, the
 * other half of an HA pair, a retry) writes nothing. Cards are the notifier's business: it runs when
 * the timers armed after the commit fall due. Deliveries are applied in arrival order per process,
 * several to a transaction when they queue up (see #drain).
 */
export class AlertIngestion implements Ingestion {
  readonly #pending: PendingWrite[] = [];
  #draining = false;

  constructor(private readonly deps: IngestDeps) {}

  /** Validates, stores and arms; resolves after the commit. ValidationError: nothing was stored. */
  ingest(integration: Integration, alerts: readonly IncomingAlert[]): Promise<IngestResult> {
    return this.ingestPrepared(integration, prepareAlerts(alerts, this.deps.limits, this.deps.clock.nowMs()));
  }

  /**
   * Stores and arms alerts already checked and normalised (prepareAlerts); `sender`: the sending
   * Alertmanager's address (PreparedDelivery.sourceUrl) and the IP address its body came from, told
   * to the reconciler.
   */
  async ingestPrepared(
    integration: Integration,
    prepared: Prepared[],
    sender: { sourceUrl?: string | undefined; senderAddress?: string | undefined } = {},
  ): Promise<IngestResult> {
    const outcome = await this.store(integration, prepared);
    outcome.sourceUrl = sender.sourceUrl;
    outcome.senderAddress = sender.senderAddress;
    await this.announce(integration, outcome);
    return outcome.result;
  }

  /** A hook's raw body: parsed, checked and stored. ValidationError/CodedError: nothing was stored. */
  ingestBody(
    kind: PayloadKind,
    integration: Integration,
    body: Uint8Array,
    from: SenderAddress = {},
  ): Promise<IngestResult> {
    const delivery = prepareDelivery(kind, body, this.deps.limits, this.deps.clock.nowMs());
    return this.ingestPrepared(integration, delivery.prepared, {
      sourceUrl: delivery.sourceUrl,
      senderAddress: from.address,
    });
  }

  /** Alerts resolved outside a delivery (the Resolve button): the index of known alerts learns it. */
  markResolved(alerts: readonly { integrationId: string; fingerprint: string; startsAt: string }[]): void {
    this.deps.known?.markResolved(alerts);
  }

  /** Whether deliveries are waiting for, or in, a transaction. */
  get busy(): boolean {
    return this.#draining || this.#pending.length > 0;
  }

  /** Resolves once no delivery is waiting for its commit. */
  async close(): Promise<void> {
    while (this.busy) await new Promise((r) => setImmediate(r));
  }

  /**
   * The write half: routes, rooms, then the delivery joins the next group commit; resolves with what
   * was written once it committed. Nothing is announced (an ingest thread runs this; see announce).
   */
  async store(
    integration: Integration,
    prepared: Prepared[],
    routes: RoutedGroup[][] = routeAlerts(this.deps.router(), prepared),
  ): Promise<WriteOutcome> {
    const rooms = new Map<string, string>();
    let lastList: RoutedGroup[] | undefined;
    for (const list of routes) {
      if (list === lastList) continue;
      lastList = list;
      for (const r of list) {
        const name = r.settings.room;
        if (name !== undefined && !rooms.has(name)) rooms.set(name, await this.deps.roomId(name));
      }
    }
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.#pending.push({ integration, prepared, routes, rooms, resolve, reject });
      if (this.#draining) return;
      // One turn of the event loop first: the deliveries whose requests arrived together are parsed
      // in that turn's I/O callbacks and then share one transaction. Without it every delivery was
      // written alone, since a transaction on SQLite never yields to I/O.
      this.#draining = true;
      setImmediate(() => void this.#drain());
    });
  }

  /** After the commit: the flush timers armed, inhibition tracked, alert.fired/resolved published. */
  async announce(integration: Integration, outcome: WriteOutcome): Promise<void> {
    this.deps.firstReads?.note(outcome.result.groups, outcome.firstReads);
    this.deps.scheduler.arm(outcome.tasks, 'earliest');
    const tracking = !this.deps.inhibitor.empty;
    for (const { id, p } of outcome.fired) {
      if (tracking) this.deps.inhibitor.track(id, p.labels, true);
      this.deps.bus.publish('alert.fired', new AlertFiredPayload(id, integration.id, p));
    }
    for (const { id, p } of outcome.resolvedAlerts) {
      if (tracking) this.deps.inhibitor.track(id, p.labels, false);
      this.deps.bus.publish('alert.resolved', {
        alertId: id,
        integrationId: integration.id,
        fingerprint: p.fingerprint,
        alertname: p.alertname,
      });
    }
    if (outcome.sourceUrl !== undefined)
      await this.deps.senderSeen?.(integration, outcome.sourceUrl, outcome.senderAddress);
    if (outcome.resolvedAlerts.length > 0 && !this.deps.inhibitor.empty) await this.deps.afterResolved?.();
  }

  /**
   * Group commit: deliveries that arrive while a transaction runs are written together in the next
   * one (each still answered only after that commit), so concurrent senders share the commit and the
   * index pages instead of queueing for one transaction each. If a shared transaction fails, each of
   * its deliveries is retried alone, so one bad delivery never fails the others.
   */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#pending.length > 0) {
        const batch: PendingWrite[] = [];
        let size = 0;
        while (
          this.#pending.length > 0 &&
          (batch.length === 0 ||
            size + this.#pending[0]!.prepared.length <= (this.deps.groupCommitAlerts ?? GROUP_COMMIT_ALERTS))
        ) {
          const next = this.#pending.shift()!;
          size += next.prepared.length;
          batch.push(next);
        }
        if (this.#repeatsOnly(batch)) {
          // Nothing to write (an Alertmanager repeat, the other half of an HA pair): no transaction.
          for (const w of batch) w.resolve(unchangedOutcome(w.prepared.length));
          continue;
        }
        try {
          const overlay = new KnownAlertsOverlay();
          const outcomes = await this.deps.db.transaction().execute(async (trx) => {
            const out: WriteOutcome[] = [];
            for (const w of batch) out.push(await writeDelivery(this.deps, trx, w, overlay));
            return out;
          });
          this.deps.known?.commit(overlay);
          for (const [i, w] of batch.entries()) w.resolve(outcomes[i]!);
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          for (const w of batch) {
            try {
              const overlay = new KnownAlertsOverlay();
              const outcome = await this.deps.db
                .transaction()
                .execute((trx) => writeDelivery(this.deps, trx, w, overlay));
              this.deps.known?.commit(overlay);
              w.resolve(outcome);
            } catch (alone) {
              w.reject(alone);
            }
          }
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Whether every alert of every delivery in the batch would be left as stored, decided from the
   * in-memory index (SQLite) with the same rules as writeDelivery: then no delivery changes anything, so
   * each sees what is committed, as it would inside the transaction.
   */
  #repeatsOnly(batch: readonly PendingWrite[]): boolean {
    const known = this.deps.known;
    if (!known) return false;
    const none = new KnownAlertsOverlay();
    for (const w of batch) {
      const lookup = known.view(w.integration.id, none);
      for (const p of w.prepared) if (verdictOf(p, storedOf(p, lookup)) !== 'unchanged') return false;
    }
    return true;
  }
}
