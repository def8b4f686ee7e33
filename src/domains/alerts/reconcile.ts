import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { ScheduledTask, Scheduler } from '../../runtime/scheduler.js';
import type { DB } from '../../storage/tables.js';
import type { Integration } from '../integrations/schema.js';
import {
  type AlertmanagerAuth,
  alertmanagerBase,
  askAlertmanager,
  authorizationOf,
  type SenderAnswer,
  senderBase,
} from './alertmanager-api.js';
import { type FiringAlertRef, resolveStoredAlerts } from './resolve-alerts.js';
import { applySenderMutes, mutedAtSender } from './sender-mutes.js';

// Alertmanager never notifies the resolve of an alert that ended while it silenced or inhibited it,
// nor any resolve with `send_resolved: false`: such a card would say "firing" for ever. So Opsroom
// asks the Alertmanagers that send to it (at the `externalURL` of their bodies) which alerts they
// still hold, and resolves the firing alerts that none of them holds any more.

export const RECONCILE_TASK = 'alerts.reconcile';
const reconcileKey = (integrationId: string) => `reconcile:${integrationId}`;
/** A sender's address already known is stored again (with its time) at most this often. */
const REFRESH_MS = 3_600_000;
/** An address no body has named for this long is no longer asked. */
const FORGET_MS = 7 * 86_400_000;
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** After a body from an Alertmanager that suppresses some alerts, how soon they are checked again… */
const EARLY_MS = 1000;
/** …but never sooner than this after the last check (each check reads its whole alert list). */
const EARLY_GAP_MS = 15_000;
/** Who the alerts' `resolvedBy` and the events name. */
export const RECONCILED_BY = 'alertmanager (reconciled)';

export interface ReconcileSettings {
  enabled: boolean;
  /** How often each Alertmanager integration is checked. */
  interval: number;
  /** Answers of an Alertmanager up for less than this are not trusted to say an alert ended. */
  min_uptime: number;
  /** Per request. */
  timeout: number;
  /** An Alertmanager's `externalURL` (no trailing slash) → where Opsroom asks it instead. */
  api_urls?: Record<string, string> | undefined;
  /** Credentials by the address asked (after `api_urls`). */
  auth?: Record<string, AlertmanagerAuth> | undefined;
}

/**
 * The fingerprints of `firing` that have ended at their senders: at least one Alertmanager that has
 * been up for `minUptimeMs` answered (one that restarted forgot its alerts until Prometheus sends them
 * again), and no Alertmanager that answered holds the alert unresolved. One that did not answer says
 * nothing either way (the other of an HA pair still can).
 */
export function endedAtSender(
  firing: Iterable<string>,
  answers: readonly SenderAnswer[],
  nowMs: number,
  minUptimeMs: number,
): Set<string> {
  const ended = new Set<string>();
  const answered = answers.filter((a) => a.ok);
  if (!answered.some((a) => nowMs - a.startedMs >= minUptimeMs)) return ended;
  const holds = (fingerprint: string) =>
    answered.some((a) => {
      const alert = a.alerts.get(fingerprint);
      if (alert === undefined) return false;
      const endsMs = Date.parse(alert.endsAt);
      return Number.isNaN(endsMs) || endsMs > nowMs || alert.endsAt.startsWith('0001-');
    });
  for (const fingerprint of firing) if (!holds(fingerprint)) ended.add(fingerprint);
  return ended;
}

export interface ReconcilerDeps {
  db: Kysely<DB>;
  clock: Clock;
  scheduler: Scheduler;
  settings: ReconcileSettings;
  integration: (id: string) => Promise<Integration | undefined>;
  /** Alerts resolved here: the index of known alerts is told. */
  markResolved: (alerts: FiringAlertRef[]) => void;
  /** Groups whose alerts changed here: flushed, so their cards show it. */
  flush: (groupIds: number[]) => Promise<void>;
  /** Says in the card's thread what was resolved and why (no webhook ever will). */
  say: (where: { roomId: string; threadId?: string }, text: string) => Promise<void>;
  /** Errors, and an Alertmanager that stopped answering (once, until it answers again). */
  onError: (error: unknown, context: Record<string, unknown>) => void;
  /** Fills a `{{ secret.NAME }}` reference (`alerts.reconcile.auth`); fails, naming it, when it is not set. */
  renderSecret?: (reference: string) => Promise<string>;
}

type Sources = Map<string, number>;

/** The integration's map in `all`, made if missing. */
function sourcesOf(all: Map<string, Sources>, integrationId: string): Sources {
  let found = all.get(integrationId);
  if (found === undefined) {
    found = new Map();
    all.set(integrationId, found);
  }
  return found;
}

/**
 * Per Alertmanager integration, a Scheduler task (it survives a restart) that carries the addresses
 * its bodies named and runs every `interval`: it asks each address, resolves what ended, and comes back.
 */
export class SenderReconciler {
  /** Integration id → API base → when a body last named it. */
  readonly #sources = new Map<string, Sources>();
  /** Integration id → the address of a body's sender (its externalURL's port and path) → when. */
  readonly #fallbacks = new Map<string, Sources>();
  /** Integration id → `externalURL` as bodies write it → when last seen (the hot path's lookup). */
  readonly #named = new Map<string, Sources>();
  /** Integrations with alerts their Alertmanager suppresses: any body from it asks again soon. */
  readonly #muted = new Set<string>();
  /** Integrations whose early run is armed. */
  readonly #early = new Set<string>();
  /** When each integration was last checked. */
  readonly #lastRun = new Map<string, number>();
  /** API bases whose last ask got no answer (said once in the log). */
  readonly #unanswered = new Set<string>();

  /** `alerts.reconcile.auth` by API base, written as alertmanagerBase writes the bases asked. */
  readonly #auth = new Map<string, AlertmanagerAuth>();

  constructor(private readonly deps: ReconcilerDeps) {
    for (const [url, auth] of Object.entries(deps.settings.auth ?? {})) {
      const base = alertmanagerBase(url);
      if (base !== undefined) this.#auth.set(base, auth);
    }
  }

  install(): void {
    this.deps.scheduler.handle(RECONCILE_TASK, (task) => this.#run(task));
  }

  /**
   * A body from an Alertmanager named its address. On the hot path: a map lookup when the address is
   * known; otherwise (or when a check is due soon) the promise of storing the task, which the caller
   * awaits so the answer to the body follows it.
   */
  seen(integration: Integration, externalUrl: string, senderAddress?: string): Promise<void> | undefined {
    const nowMs = this.deps.clock.nowMs();
    let early: Promise<void> | undefined;
    if (this.#muted.has(integration.id) && !this.#early.has(integration.id)) {
      // A notification while some of its alerts are suppressed: an inhibition or silence may have
      // ended (it notifies such an alert again), so the marks are checked within a second, or 15 s
      // after the last check.
      this.#early.add(integration.id);
      const last = this.#lastRun.get(integration.id) ?? 0;
      early = this.#armed(integration.id, Math.max(nowMs + EARLY_MS, last + EARLY_GAP_MS));
    }
    let named = this.#named.get(integration.id);
    const seenAs = `${externalUrl} ${senderAddress ?? ''}`;
    const known = named?.get(seenAs);
    if (known !== undefined && nowMs - known < REFRESH_MS) return early;
    const external = alertmanagerBase(externalUrl);
    const mapped = external && this.deps.settings.api_urls?.[external];
    const base = external && alertmanagerBase(mapped ?? external);
    if (base === undefined) return early;
    if (named === undefined) {
      named = new Map();
      this.#named.set(integration.id, named);
    }
    named.set(seenAs, nowMs);
    sourcesOf(this.#sources, integration.id).set(base, nowMs);
    // Its externalURL may name a host this machine cannot reach (a name only its own host resolves);
    // the address the body came from, on the same port and path, is asked then.
    const fallback = mapped ? undefined : senderBase(externalUrl, senderAddress);
    if (fallback !== undefined && fallback !== base)
      sourcesOf(this.#fallbacks, integration.id).set(fallback, nowMs);
    // The stored task takes the addresses (what a restart remembers); an earlier run stays as it is.
    const stored = this.#armed(integration.id, nowMs + this.deps.settings.interval);
    return early ? Promise.all([early, stored]).then(() => {}) : stored;
  }

  /** Arms the run at `dueMs` unless one is due earlier; a failure is logged, never thrown. */
  #armed(integrationId: string, dueMs: number): Promise<void> {
    return this.#arm(integrationId, dueMs, 'earliest').catch((error: unknown) =>
      this.deps.onError(error, { step: 'alerts.reconcile.arm' }),
    );
  }

  async #arm(integrationId: string, dueMs: number, mode: 'replace' | 'earliest'): Promise<void> {
    const sources = this.#live(this.#sources, integrationId);
    if (sources.length === 0) return;
    const fallbacks = this.#live(this.#fallbacks, integrationId);
    const task: ScheduledTask = {
      key: reconcileKey(integrationId),
      kind: RECONCILE_TASK,
      dueMs,
      payload: {
        integrationId,
        sources: Object.fromEntries(sources),
        ...(fallbacks.length > 0 ? { fallbacks: Object.fromEntries(fallbacks) } : {}),
      },
    };
    await this.deps.scheduler.schedule(task, mode);
  }

  /** The API bases (or fallbacks) named within FORGET_MS, with when; older ones are dropped. */
  #live(all: Map<string, Sources>, integrationId: string): [string, number][] {
    const sources = all.get(integrationId);
    if (sources === undefined) return [];
    const nowMs = this.deps.clock.nowMs();
    const live: [string, number][] = [];
    for (const [url, seenMs] of sources) {
      if (nowMs - seenMs > FORGET_MS) sources.delete(url);
      else live.push([url, seenMs]);
    }
    return live;
  }

  async #run(task: ScheduledTask): Promise<void> {
    const integrationId = String(task.payload?.integrationId ?? '');
    this.#early.delete(integrationId);
    this.#lastRun.set(integrationId, this.deps.clock.nowMs());
    // After a restart the stored task is what remembers the addresses.
    for (const [field, all] of [
      ['sources', this.#sources],
      ['fallbacks', this.#fallbacks],
    ] as const) {
      const stored = task.payload?.[field];
      if (stored === null || typeof stored !== 'object') continue;
      const known = sourcesOf(all, integrationId);
      for (const [url, seenMs] of Object.entries(stored)) {
        if (typeof seenMs === 'number' && seenMs > (known.get(url) ?? 0)) known.set(url, seenMs);
      }
    }
    const integration = await this.deps.integration(integrationId);
    if (!integration || integration.revokedAt !== null) {
      this.#sources.delete(integrationId);
      this.#fallbacks.delete(integrationId);
      this.#named.delete(integrationId);
      this.#lastRun.delete(integrationId);
      return;
    }
    try {
      await this.#reconcile(integrationId);
    } catch (error) {
      this.deps.onError(error, { step: 'alerts.reconcile', integration: integrationId });
    }
    await this.#arm(integrationId, this.deps.clock.nowMs() + this.deps.settings.interval, 'replace');
  }

  #note(integrationId: string, answer: SenderAnswer): void {
    if (answer.ok) {
      this.#unanswered.delete(answer.url);
      return;
    }
    if (this.#unanswered.has(answer.url)) return;
    this.#unanswered.add(answer.url);
    const message = `Alertmanager at ${answer.url} did not answer (${answer.error}): alerts that end while it silences or inhibits them stay firing here until it does`;
    this.deps.onError(new Error(message), { step: 'alerts.reconcile', integration: integrationId });
  }

  async #reconcile(integrationId: string): Promise<void> {
    const rows = await this.deps.db
      .selectFrom('alerts as a')
      .innerJoin('alertGroupAlerts as m', 'm.alertId', 'a.id')
      .innerJoin('alertGroups as g', 'g.id', 'm.groupId')
      .select([
        'a.id',
        'a.integrationId',
        'a.fingerprint',
        'a.startsAt',
        'a.muted',
        'm.groupId',
        'g.alertname',
        'g.roomId',
        'g.messageId',
      ])
      .where('a.integrationId', '=', integrationId)
      .where('a.status', '=', 'firing')
      .execute();
    if (rows.length === 0) return;
    const { clock, settings } = this.deps;
    const ask = (url: string, auth = this.#auth.get(url)) => {
      const render = this.deps.renderSecret;
      return askAlertmanager(url, {
        clock,
        timeoutMs: settings.timeout,
        maxBytes: MAX_ANSWER_BYTES,
        authorization: auth && render && (() => authorizationOf(auth, render)),
      });
    };
    const answers = await Promise.all(this.#live(this.#sources, integrationId).map(([url]) => ask(url)));
    // An externalURL nothing answers at: its senders' own addresses stand in (same credentials).
    const unreachable = answers.filter((a) => !a.ok && a.unreachable);
    if (unreachable.length > 0) {
      const auth = this.#auth.get(unreachable[0]!.url);
      const fallbacks = this.#live(this.#fallbacks, integrationId).map(([url]) => url);
      answers.push(...(await Promise.all(fallbacks.map((url) => ask(url, this.#auth.get(url) ?? auth)))));
    }
    for (const answer of answers) this.#note(integrationId, answer);
    const nowMs = clock.nowMs();
    const fingerprints = new Set(rows.map((r) => r.fingerprint));
    const ended = endedAtSender(fingerprints, answers, nowMs, settings.min_uptime);
    const nowIso = new Date(nowMs).toISOString();
    // Alerts it still holds but silences or inhibits (it stops notifying them without a word): marked,
    // and a mark it no longer confirms is taken off.
    const muted = await applySenderMutes(this.deps.db, rows, ended, mutedAtSender(fingerprints, answers), {
      nowIso,
      by: RECONCILED_BY,
    });
    if (muted.stillMuted) this.#muted.add(integrationId);
    else this.#muted.delete(integrationId);
    if (muted.groupIds.length > 0) await this.deps.flush(muted.groupIds);
    if (ended.size === 0) return;
    const alerts = new Map<number, FiringAlertRef>();
    const groups = new Map<
      number,
      { alertname: string; alerts: number; roomId: string; messageId: string | null }
    >();
    for (const r of rows) {
      if (!ended.has(r.fingerprint)) continue;
      alerts.set(r.id, {
        id: r.id,
        integrationId: r.integrationId,
        fingerprint: r.fingerprint,
        startsAt: r.startsAt,
      });
      const group = groups.get(r.groupId) ?? {
        alertname: r.alertname,
        alerts: 0,
        roomId: r.roomId,
        messageId: r.messageId,
      };
      group.alerts++;
      groups.set(r.groupId, group);
    }
    const asked = answers.filter((a) => a.ok).map((a) => a.url);
    await resolveStoredAlerts(this.deps.db, [...alerts.values()], {
      nowIso,
      by: RECONCILED_BY,
      events: [...groups].map(([groupId, g]) => ({
        at: nowIso,
        kind: 'resolved.reconciled',
        groupId,
        alertId: null,
        fingerprint: null,
        alertname: g.alertname,
        actor: RECONCILED_BY,
        detail: JSON.stringify({ alerts: g.alerts, asked }),
      })),
    });
    this.deps.markResolved([...alerts.values()]);
    await this.deps.flush([...groups.keys()]);
    for (const g of groups.values()) {
      const what = g.alerts === 1 ? '1 alert' : `${g.alerts} alerts`;
      const text = `✅ ${what} ended without a resolve from Alertmanager (it sends none for an alert it silences or inhibits, nor with send_resolved: false): ${asked.join(', ')} no longer holds ${g.alerts === 1 ? 'it' : 'them'}, so Opsroom resolved ${g.alerts === 1 ? 'it' : 'them'}.`;
      await this.deps
        .say({ roomId: g.roomId, ...(g.messageId ? { threadId: g.messageId } : {}) }, text)
        .catch((error: unknown) => this.deps.onError(error, { step: 'alerts.reconcile.say' }));
    }
  }
}
