import type { Kysely } from 'kysely';
import { ValidationError } from '../../core/errors.js';
import type { DB } from '../../storage/tables.js';
import type { Card } from '../chat/schema.js';
import { renderGroupCard } from './card.js';
import { fingerprint } from './fingerprint.js';
import type { Inhibitor } from './inhibition.js';
import { type ParsedDelivery, parseAlertmanager, parseGeneric, parseGrafana } from './parse-payloads.js';
import { type AlertRouter, groupKeyOf, groupLabelsOf } from './routing.js';
import type { Silences } from './silences.js';

export interface DryRunResult {
  text: string;
  card?: Card;
}

function parseAny(payload: unknown): ParsedDelivery {
  const body = payload as { version?: unknown };
  if (body && typeof body === 'object' && body.version === '4') return parseAlertmanager(payload);
  if (body && typeof body === 'object' && body.version === '1') return parseGrafana(payload);
  return parseGeneric(payload);
}

/**
 * `alerts test`: what the pipeline would do with a payload now, storing nothing: the fingerprint,
 * every route it takes (room, group key, timings, escalation policy), the group it would join,
 * whether it is inhibited or silenced, and the card it would get.
 */
export async function dryRun(
  deps: {
    db: Kysely<DB>;
    router: AlertRouter;
    inhibitor: Inhibitor;
    silences: Silences;
    nowMs: number;
    defaultRoom: string;
  },
  json: string,
): Promise<DryRunResult> {
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch (error) {
    throw new ValidationError(`the payload is not valid JSON: ${(error as Error).message}`);
  }
  const { alerts, groupBy: senderGroupBy } = parseAny(payload);
  if (alerts.length === 0) throw new ValidationError('the payload holds no alerts');
  const lines: string[] = [];
  let card: Card | undefined;
  for (const [i, alert] of alerts.slice(0, 10).entries()) {
    const fp =
      alert.dedupKey === undefined
        ? fingerprint(alert.labels)
        : fingerprint({ __dedup_key__: alert.dedupKey });
    lines.push(
      `**Alert ${i + 1}** \`${alert.labels.alertname ?? '?'}\` · ${alert.status} · fingerprint \`${fp}\``,
    );
    const silence = deps.silences.silencedBy(alert.labels);
    const inhibited = deps.inhibitor.inhibited(-1, alert.labels);
    lines.push(
      `- silenced: ${silence === undefined ? 'no' : `yes, by silence ${silence}`} · inhibited: ${inhibited ? 'yes' : 'no'}`,
    );
    for (const route of deps.router.route(alert.labels, senderGroupBy)) {
      const labels = groupLabelsOf(route, alert.labels);
      const room = route.room ?? deps.defaultRoom;
      const key = groupKeyOf(route, labels, room);
      const open = await deps.db
        .selectFrom('alertGroups')
        .select('id')
        .where('groupKey', 'like', `${key.replace(/@.*$/, '')}@%`)
        .where('openKey', 'is not', null)
        .executeTakeFirst();
      lines.push(
        `- route \`${route.routeId}\` → #${room} · group \`${key.replace(/@.*$/, '')}\`${open ? ` (joins open #${open.id})` : ' (new group)'}` +
          ` · wait ${route.groupWaitMs / 1000}s, interval ${route.groupIntervalMs / 1000}s, repeat ${route.repeatIntervalMs / 1000}s` +
          (route.severity ? ` · severity ${route.severity}` : '') +
          (route.escalationPolicy ? ` · escalation ${route.escalationPolicy}` : '') +
          (route.muteNotifications ? ' · muted route' : ''),
      );
      card ??= renderGroupCard(
        {
          id: 0,
          status:
            alert.status === 'resolved'
              ? 'resolved'
              : silence !== undefined
                ? 'silenced'
                : inhibited
                  ? 'inhibited'
                  : 'firing',
          severity: route.severity ?? alert.labels.severity ?? 'warning',
          alertname: labels.alertname ?? alert.labels.alertname ?? 'alert',
          labels,
          sourceKind: 'test',
          groupKey: key,
          createdAt: new Date(deps.nowMs).toISOString(),
          resolvedAt: null,
          ackedBy: null,
          mutedUntilResolved: false,
          flapping: false,
          silencedBy: silence,
        },
        [
          {
            id: 0,
            status: alert.status,
            severity: alert.labels.severity ?? 'warning',
            labels: alert.labels,
            annotations: alert.annotations ?? {},
            startsAt: alert.startsAt ?? new Date(deps.nowMs).toISOString(),
            generatorUrl: alert.generatorUrl ?? null,
            muted: null,
          },
        ],
        deps.nowMs,
      );
    }
  }
  if (alerts.length > 10) lines.push(`… and ${alerts.length - 10} more alerts`);
  return {
    text: lines.join('\n'),
    ...(card ? { card: { ...card, title: `(dry run) ${card.title}`.slice(0, 200), buttons: [] } } : {}),
  };
}
