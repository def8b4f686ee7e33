import type { Kysely } from 'kysely';
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { ConflictError, NotFoundError, PermissionDeniedError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validation.js';
import type { DB } from '../../storage/tables.js';
import type { Policy } from '../policy/policy.js';
import { HAND_RESOLVED_SOURCES } from './card.js';
import type { Matcher } from './matchers.js';
import type { GroupNotifier } from './notifier.js';
import { resolveStoredAlerts } from './resolve-alerts.js';
import {
  type AlertListQuery,
  type AlertView,
  alertListQuery,
  type GroupView,
  type SilenceView,
} from './schema.js';
import type { Silences } from './silences.js';
import type { AlertGroupsTable } from './table.js';

type GroupRow = Omit<AlertGroupsTable, 'id'> & { id: number };

export interface AlertServiceDeps {
  db: Kysely<DB>;
  clock: Clock;
  policy: Policy;
  notifier: GroupNotifier;
  silences: Silences;
  roomOf: (ref: string) => Promise<{ id: string; name: string } | undefined>;
  /** Arms the flush of every open group after a silence starts or ends. */
  onSilencesChanged: (silence: SilenceView) => Promise<void>;
  /** Tells the ingestion's index of known alerts about alerts resolved by hand. */
  markResolved?: (alerts: { integrationId: string; fingerprint: string; startsAt: string }[]) => void;
  /** Records who acked, muted, resolved and silenced what (the audit log). */
  audit?: (actor: Actor, action: string, detail: Record<string, string | number | null>) => void;
}

/**
 * What people do with alerts (list, show, ack, resolve, mute, silence), for the bot commands, the API
 * and the CLI alike. Each change is stored with an alert event and followed by a flush of the group,
 * so the card and its thread tell the room.
 */
export class AlertService {
  constructor(private readonly deps: AlertServiceDeps) {}

  require(actor: Actor, permission: string): void {
    if (!this.deps.policy.allows(actor, { permission })) {
      throw new PermissionDeniedError(`You need the ${permission} permission`);
    }
  }

  async list(actor: Actor, query: AlertListQuery): Promise<GroupView[]> {
    this.require(actor, 'alerts:read');
    const q = parseOrThrow(alertListQuery, query);
    let select = this.deps.db.selectFrom('alertGroups').selectAll().orderBy('id', 'desc').limit(q.limit);
    if (q.status === 'open') select = select.where('openKey', 'is not', null);
    else if (q.status !== 'all') select = select.where('status', '=', q.status);
    if (q.severity) select = select.where('severity', '=', q.severity);
    if (q.alertname) select = select.where('alertname', '=', q.alertname);
    if (q.integration) select = select.where('integrationId', '=', q.integration);
    if (q.room) {
      const room = await this.deps.roomOf(q.room);
      if (!room) throw new NotFoundError('room', q.room);
      select = select.where('roomId', '=', room.id);
    }
    const rows = await select.execute();
    return Promise.all(rows.map((r) => this.#view(r, 20)));
  }

  async get(actor: Actor, id: number): Promise<GroupView> {
    this.require(actor, 'alerts:read');
    return this.#view(await this.#group(id), 500);
  }

  /** The group's history, oldest first: every alert event, for timelines. */
  async events(actor: Actor, id: number) {
    this.require(actor, 'alerts:read');
    await this.#group(id);
    return this.deps.db
      .selectFrom('alertEvents')
      .selectAll()
      .where('groupId', '=', id)
      .orderBy('id')
      .limit(500)
      .execute();
  }

  async ack(actor: Actor, id: number): Promise<GroupView> {
    this.require(actor, 'alerts:ack');
    const group = await this.#group(id);
    if (group.openKey === null) throw new ConflictError(`alert #${id} is already resolved`);
    if (group.ackedBy === null) {
      await this.#change(group, { ackedBy: actor.username, ackedAt: this.#now() }, 'acked', actor);
      this.deps.audit?.(actor, 'alert.acked', { group: id, alertname: group.alertname });
    }
    return this.#view(await this.#group(id), 20);
  }

  /** Mute until resolved: the card stays current, the room hears nothing more until the resolve. */
  async mute(actor: Actor, id: number): Promise<GroupView> {
    this.require(actor, 'alerts:ack');
    const group = await this.#group(id);
    if (group.openKey === null) throw new ConflictError(`alert #${id} is already resolved`);
    if (group.mutedUntilResolved === 0) {
      await this.#change(group, { mutedUntilResolved: 1 }, 'muted', actor);
      this.deps.audit?.(actor, 'alert.muted', { group: id, alertname: group.alertname });
    }
    return this.#view(await this.#group(id), 20);
  }

  /** Resolves by hand, for sources that never send a resolve (generic, GitHub, Slack). */
  async resolve(actor: Actor, id: number): Promise<GroupView> {
    this.require(actor, 'alerts:resolve');
    const group = await this.#group(id);
    if (group.openKey === null) throw new ConflictError(`alert #${id} is already resolved`);
    if (!HAND_RESOLVED_SOURCES.has(group.sourceKind)) {
      throw new ValidationError(
        `alert #${id} comes from ${group.sourceKind}, which resolves it itself; ack or silence it instead`,
      );
    }
    const now = this.#now();
    const firing = await this.deps.db
      .selectFrom('alertGroupAlerts as m')
      .innerJoin('alerts as a', 'a.id', 'm.alertId')
      .select(['a.id', 'a.integrationId', 'a.fingerprint', 'a.startsAt'])
      .where('m.groupId', '=', id)
      .where('a.status', '=', 'firing')
      .execute();
    await resolveStoredAlerts(this.deps.db, firing, {
      nowIso: now,
      by: actor.username,
      events: [this.#event(id, 'resolved.manual', actor, group.alertname)],
    });
    this.deps.markResolved?.(firing);
    await this.deps.notifier.request([id]);
    this.deps.audit?.(actor, 'alert.resolved', { group: id, alertname: group.alertname });
    return this.#view(await this.#group(id), 20);
  }

  async silence(
    actor: Actor,
    input: { matchers: Matcher[]; durationMs: number; reason: string },
  ): Promise<SilenceView> {
    this.require(actor, 'alerts:silence');
    const silence = await this.deps.silences.create(actor, input);
    this.deps.audit?.(actor, 'silence.created', {
      silence: silence.id,
      matchers: JSON.stringify(silence.matchers),
      endsAt: silence.endsAt,
      reason: silence.reason,
    });
    await this.deps.onSilencesChanged(silence);
    return silence;
  }

  /** Matchers that select exactly this group's alerts: its group labels. */
  async groupMatchers(actor: Actor, id: number): Promise<Matcher[]> {
    this.require(actor, 'alerts:read');
    const group = await this.#group(id);
    const labels = JSON.parse(group.labels) as Record<string, string>;
    const matchers = Object.entries(labels).map(([name, value]) => ({ name, op: '=' as const, value }));
    if (matchers.length === 0)
      throw new ValidationError(`alert #${id} has no group labels to silence by; give matchers`);
    return matchers;
  }

  async silences(actor: Actor, includeEnded = false): Promise<SilenceView[]> {
    this.require(actor, 'alerts:read');
    return this.deps.silences.list({ includeEnded });
  }

  async unsilence(actor: Actor, id: number): Promise<SilenceView> {
    this.require(actor, 'alerts:silence');
    const silence = await this.deps.silences.remove(actor, id);
    this.deps.audit?.(actor, 'silence.removed', { silence: id });
    await this.deps.onSilencesChanged(silence);
    return silence;
  }

  async #change(group: GroupRow, set: Partial<GroupRow>, kind: string, actor: Actor): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('alertGroups').set(set).where('id', '=', group.id).execute();
      await trx
        .insertInto('alertEvents')
        .values(this.#event(group.id, kind, actor, group.alertname))
        .execute();
    });
    await this.deps.notifier.request([group.id]);
  }

  #event(groupId: number, kind: string, actor: Actor, alertname: string) {
    return {
      at: this.#now(),
      kind,
      groupId,
      alertId: null,
      fingerprint: null,
      alertname,
      actor: actor.username,
      detail: '{}',
    };
  }

  #now(): string {
    return this.deps.clock.now().toISOString();
  }

  async #group(id: number): Promise<GroupRow> {
    const row = await this.deps.db
      .selectFrom('alertGroups')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('alert', String(id));
    return row;
  }

  async #view(group: GroupRow, maxAlerts: number): Promise<GroupView> {
    const rows = await this.deps.db
      .selectFrom('alertGroupAlerts as m')
      .innerJoin('alerts as a', 'a.id', 'm.alertId')
      .selectAll('a')
      .where('m.groupId', '=', group.id)
      .orderBy('a.id')
      .execute();
    const alerts: AlertView[] = rows.slice(0, maxAlerts).map((a) => ({
      id: a.id,
      fingerprint: a.fingerprint,
      alertname: a.alertname,
      severity: a.severity,
      status: a.status,
      labels: JSON.parse(a.labels) as Record<string, string>,
      annotations: JSON.parse(a.annotations) as Record<string, string>,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      generatorUrl: a.generatorUrl,
      muted: a.muted,
      integrationId: a.integrationId,
    }));
    return {
      id: group.id,
      groupKey: group.groupKey,
      status: group.status,
      severity: group.severity,
      alertname: group.alertname,
      labels: JSON.parse(group.labels) as Record<string, string>,
      roomId: group.roomId,
      routeId: group.routeId,
      messageId: group.messageId,
      ackedBy: group.ackedBy,
      ackedAt: group.ackedAt,
      mutedUntilResolved: group.mutedUntilResolved === 1,
      flapping: group.flapping === 1,
      createdAt: group.createdAt,
      resolvedAt: group.resolvedAt,
      firing: rows.filter((a) => a.status === 'firing').length,
      alerts,
    };
  }
}
