import type { Card } from '../chat/schema.js';
import type { GroupStatus } from './table.js';

/** Card buttons; bot/card-actions.ts maps each to the command line it stands for. */
export const ALERT_ACTIONS = {
  ack: 'alert.ack',
  silence: 'alert.silence',
  resolve: 'alert.resolve',
  mute: 'alert.mute',
  runbook: 'alert.runbook',
} as const;

/** Sources whose alerts people may resolve by hand (the others resolve themselves). */
export const HAND_RESOLVED_SOURCES: ReadonlySet<string> = new Set(['generic', 'github', 'slack']);

export interface CardGroup {
  id: number;
  status: GroupStatus;
  severity: string;
  alertname: string;
  labels: Record<string, string>;
  sourceKind: string;
  groupKey: string;
  createdAt: string;
  resolvedAt: string | null;
  ackedBy: string | null;
  mutedUntilResolved: boolean;
  flapping: boolean;
  silencedBy: number | undefined;
}

export interface CardAlert {
  id: number;
  status: 'firing' | 'resolved';
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  generatorUrl: string | null;
  muted: string | null;
}

const ICON: Record<GroupStatus, string> = {
  firing: '🔥',
  acked: '👀',
  silenced: '🔕',
  inhibited: '🔇',
  resolved: '✅',
};

/** Alerts listed on a card; the rest are counted. */
export const SHOWN_ALERTS = 10;

/**
 * The annotation that carries a body's `truncatedAlerts` (parse-payloads.ts): alerts of the sender's
 * group it left out (Alertmanager's `max_alerts`), which Opsroom counts but cannot list.
 */
export const TRUNCATED_ANNOTATION = '__truncated_alerts__';

/**
 * The annotations a card shows (renderGroupCard): an update that changes only others (a `value` an
 * alerting rule fills in at each evaluation) cannot change the card, so it asks no flush.
 */
export const CARD_ANNOTATIONS = [
  'summary',
  'message',
  'description',
  'runbook_url',
  TRUNCATED_ANNOTATION,
] as const;

/**
 * An alert's `muted`: `silence:<id>` and `inhibited` by Opsroom's own silences and inhibit rules;
 * `alertmanager:silenced` and `alertmanager:inhibited` as the Alertmanager that sent it says
 * (reconcile.ts), since it stops notifying such an alert without saying so.
 */
export const SENDER_SILENCED = 'alertmanager:silenced';
export const SENDER_INHIBITED = 'alertmanager:inhibited';

/** Whether `muted` is what the sending Alertmanager said (not Opsroom's own silence or rule). */
export function isSenderMute(muted: string | null): boolean {
  return muted?.startsWith('alertmanager:') ?? false;
}

/** How a card line says why a firing alert is muted. */
export function mutedText(muted: string): string {
  if (muted === SENDER_SILENCED) return 'silenced in Alertmanager';
  if (muted === SENDER_INHIBITED) return 'inhibited in Alertmanager';
  return muted.startsWith('silence') ? 'silenced' : 'inhibited';
}

/** The most alerts a firing alert's last body said were left out (0 when none). */
export function leftOut(firing: readonly Pick<CardAlert, 'annotations'>[]): number {
  let most = 0;
  for (const alert of firing) {
    const count = Number(alert.annotations[TRUNCATED_ANNOTATION] ?? 0);
    if (Number.isSafeInteger(count) && count > most) most = count;
  }
  return most;
}

export function severityColor(severity: string): Card['color'] {
  if (/^(critical|crit|page|error|high|p1|sev1|disaster|emergency)$/i.test(severity)) return 'danger';
  if (/^(warning|warn|medium|p2|p3|sev2|average)$/i.test(severity)) return 'warning';
  return 'info';
}

/** `12m`, `3h5m`, `2d4h`: two units at most, enough to read at a glance. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${h > 0 ? `${h}h` : ''}`;
  if (h > 0) return `${h}h${m > 0 ? `${m}m` : ''}`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

function utc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

// Senders put anything in labels and annotations; a card holds no control characters (titles none at
// all), no lone surrogates and nothing over its limits, or posting it would fail and the card be lost.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const TEXT_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text safe for a card or a message: see above. */
export function clip(text: string, max: number, singleLine = false): string {
  const clean = text.toWellFormed().replace(singleLine ? LINE_CONTROLS : TEXT_CONTROLS, ' ');
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** The labels (not the group's) that every one of `alerts` has with the same value; none for one alert. */
function sharedLabels(alerts: readonly CardAlert[], skip: Record<string, string>): Record<string, string> {
  const shared: Record<string, string> = {};
  if (alerts.length < 2) return shared;
  for (const [k, v] of Object.entries(alerts[0]!.labels)) {
    if (!(k in skip) && alerts.every((a) => a.labels[k] === v)) shared[k] = v;
  }
  return shared;
}

function labelList(labels: Record<string, string>, skip: Record<string, string> = {}): string {
  return Object.entries(labels)
    .filter(([k]) => !(k in skip))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export function statusText(group: CardGroup): string {
  const base: Record<GroupStatus, string> = {
    firing: 'Firing',
    acked: `Acked by @${group.ackedBy ?? '?'}`,
    silenced: group.silencedBy === undefined ? 'Silenced' : `Silenced (silence ${group.silencedBy})`,
    inhibited: 'Inhibited by another alert',
    resolved: 'Resolved',
  };
  const extra = [
    group.flapping ? 'flapping' : '',
    group.mutedUntilResolved && group.status !== 'resolved' ? 'muted until resolved' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return extra ? `${base[group.status]} (${extra})` : base[group.status];
}

/**
 * The one card of an alert group: severity colour, status, labels, summary, start and duration, the
 * alerts, links to the source and the runbook, and the buttons that fit the status. Rendered from the
 * stored state each time, so the card in the room is always the current truth.
 */
/** Totals over the whole group, when `alerts` holds only the few shown (large groups). */
export interface CardCounts {
  firing: number;
  resolved: number;
  /** The earliest start of any alert in the group. */
  started: string;
}

export function renderGroupCard(
  group: CardGroup,
  alerts: readonly CardAlert[],
  nowMs: number,
  counts?: CardCounts,
): Card {
  const firing = alerts.filter((a) => a.status === 'firing');
  const knownFiring = counts?.firing ?? firing.length;
  // Firing alerts the sender counted but did not send (max_alerts): counted, not listed.
  const untold = group.status === 'resolved' || knownFiring === 0 ? 0 : leftOut(firing);
  const firingCount = knownFiring + untold;
  const resolvedCount = counts?.resolved ?? alerts.length - firing.length;
  const shownFrom = firing.length > 0 ? firing : alerts;
  const shownTotal = firing.length > 0 ? knownFiring : knownFiring + resolvedCount;
  const first = shownFrom[0];
  const summary = first?.annotations.summary ?? first?.annotations.message ?? '';
  const description = first?.annotations.description ?? '';
  const runbook = alerts.find((a) => a.annotations.runbook_url)?.annotations.runbook_url;
  const source = first?.generatorUrl ?? alerts.find((a) => a.generatorUrl)?.generatorUrl ?? null;
  const started =
    counts?.started ??
    alerts.reduce((min, a) => (a.startsAt < min ? a.startsAt : min), first?.startsAt ?? group.createdAt);
  const endMs = group.status === 'resolved' && group.resolvedAt ? Date.parse(group.resolvedAt) : nowMs;
  const subject = labelList(group.labels, { alertname: '' });
  const count = group.status === 'resolved' ? '' : ` · ${firingCount} firing`;
  // A group not made by alert name (a sender's or a route's group_by without it) names what it holds.
  const names = 'alertname' in group.labels ? [] : [...new Set(alerts.map((a) => a.labels.alertname))];
  const name =
    names.length > 1 ? `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}` : group.alertname;
  const title = clip(
    `${ICON[group.status]} #${group.id} ${name}${subject ? ` (${subject})` : ''}${count}`,
    200,
    true,
  );
  const shown = shownFrom.slice(0, SHOWN_ALERTS);
  // Labels every listed alert shares (beyond the group's) are said once, so each line shows what
  // tells that alert apart; and when their summaries differ, each line carries its own.
  const shared = sharedLabels(shown, group.labels);
  const summaryOf = (a: CardAlert) => a.annotations.summary ?? a.annotations.message ?? '';
  const ownSummaries = shown.some((a) => summaryOf(a) !== summary);
  const oneDescription = shown.every((a) => (a.annotations.description ?? '') === description);
  const lines = shown.map((a) => {
    const icon = a.status === 'resolved' ? '✅' : a.muted ? '🔇' : '🔥';
    const own = labelList(a.labels, { ...group.labels, ...shared }) || 'same labels as the group';
    const why = a.status === 'firing' && a.muted ? ` — ${mutedText(a.muted)}` : '';
    const said = ownSummaries && summaryOf(a) ? ` — ${summaryOf(a)}` : '';
    return clip(`${icon} ${own}${why}${said}`, 240);
  });
  if (shownTotal > SHOWN_ALERTS) lines.push(`… and ${shownTotal - SHOWN_ALERTS} more`);
  if (untold > 0) lines.push(`… and ${untold} more the sender did not list (Alertmanager's max_alerts)`);
  // Every alert it was told of ended, but the last body left some out: their state is unknown.
  const unknown = knownFiring === 0 ? leftOut(alerts) : 0;
  if (unknown > 0)
    lines.push(
      `… and ${unknown} more the sender did not list (max_alerts): if any still fire, they show when the sender lists them`,
    );
  const fields: NonNullable<Card['fields']> = [
    { title: 'Status', value: statusText(group), short: true },
    { title: 'Severity', value: group.severity, short: true },
    { title: 'Started', value: utc(started), short: true },
    {
      title: group.status === 'resolved' ? 'Lasted' : 'Firing for',
      value: shortDuration(endMs - Date.parse(started)),
      short: true,
    },
    {
      title: 'Labels',
      value: clip(
        (labelList(group.labels) || '(none)') +
          (Object.keys(shared).length > 0 ? ` · every alert listed: ${labelList(shared)}` : ''),
        1000,
      ),
    },
    {
      title: `Alerts (${firingCount} firing, ${resolvedCount} resolved)`,
      value: clip(lines.join('\n') || '(none)', 1000),
    },
  ];
  if (source)
    fields.push({ title: 'Source', value: clip(`[${group.sourceKind}](${source})`, 1000), short: true });
  if (runbook) fields.push({ title: 'Runbook', value: clip(`[${runbook}](${runbook})`, 1000), short: true });
  const id = String(group.id);
  const open = group.status !== 'resolved';
  const buttons: NonNullable<Card['buttons']> = [];
  if (open && group.status !== 'acked')
    buttons.push({ actionId: ALERT_ACTIONS.ack, label: 'Ack', style: 'primary', value: id });
  if (open) buttons.push({ actionId: ALERT_ACTIONS.silence, label: 'Silence 1h', value: id });
  if (open && !group.mutedUntilResolved)
    buttons.push({ actionId: ALERT_ACTIONS.mute, label: 'Mute until resolved', value: id });
  if (open && HAND_RESOLVED_SOURCES.has(group.sourceKind)) {
    buttons.push({ actionId: ALERT_ACTIONS.resolve, label: 'Resolve', style: 'danger', value: id });
  }
  if (runbook) buttons.push({ actionId: ALERT_ACTIONS.runbook, label: 'Runbook', value: id });
  return {
    title,
    // One summary for the card when its alerts agree; otherwise each line says its own.
    ...((summary && !ownSummaries) || (description && oneDescription)
      ? {
          text: clip(
            [ownSummaries ? '' : summary, oneDescription ? description : ''].filter(Boolean).join('\n\n'),
            4000,
          ),
        }
      : {}),
    color:
      group.status === 'resolved'
        ? 'good'
        : group.status === 'silenced' || group.status === 'inhibited'
          ? 'neutral'
          : severityColor(group.severity),
    fields,
    ...(buttons.length > 0 ? { buttons } : {}),
    footer: clip(`${group.sourceKind} · group ${group.groupKey.replace(/@[^@]*$/, '')}`, 300),
  };
}
