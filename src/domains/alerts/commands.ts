import type { Clock } from '../../core/clock.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { type Command, defineCommand } from '../bot/command.js';
import { formatDuration, parseDuration } from '../bot/duration.js';
import { shortDuration } from './card.js';
import { formatMatcher, type Matcher, parseMatchers } from './matchers.js';
import type { CardPoster } from './notifier.js';
import type { GroupView, NoiseRow, SilenceView } from './schema.js';
import type { AlertService } from './service.js';

export interface AlertCommandDeps {
  /** A service whose permission checks are already done by the bot's policy stage (with the room). */
  service: AlertService;
  clock: Clock;
  poster: CardPoster;
  noise: (sinceMs: number) => Promise<NoiseRow[]>;
  dryRun: (json: string) => Promise<{ text: string; card?: import('../chat/schema.js').Card }>;
}

const ICON: Record<GroupView['status'], string> = {
  firing: '🔥',
  acked: '👀',
  silenced: '🔕',
  inhibited: '🔇',
  resolved: '✅',
};

function groupLine(g: GroupView, nowMs: number): string {
  const labels = Object.entries(g.labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const age = shortDuration((g.resolvedAt ? Date.parse(g.resolvedAt) : nowMs) - Date.parse(g.createdAt));
  const acked = g.ackedBy ? ` · acked by @${g.ackedBy}` : '';
  return `${ICON[g.status]} #${g.id} **${g.alertname}**${labels ? ` ${labels}` : ''} · ${g.severity} · ${g.firing} firing · ${g.status} for ${age}${acked}`;
}

function silenceLine(s: SilenceView): string {
  const state = s.removedAt
    ? `removed by @${s.removedBy}`
    : s.active
      ? `until ${s.endsAt.slice(0, 16).replace('T', ' ')} UTC`
      : 'ended';
  return `🔕 silence ${s.id}: \`${s.matchers.map(formatMatcher).join(', ')}\` · ${state} · by @${s.createdBy}: ${s.reason}`;
}

const FILTER = /^(status|severity|alertname|name|room|integration)=(\S+)$/;

function parseFilters(text: string | undefined, pairs: Readonly<Record<string, string>>) {
  const query: Record<string, string> = {};
  const words = [
    ...(text ?? '').split(/\s+/).filter(Boolean),
    ...Object.entries(pairs).map(([k, v]) => `${k}=${v}`),
  ];
  for (const word of words) {
    const match = FILTER.exec(word);
    if (!match) {
      throw new ValidationError(
        `unknown filter '${word}': use status=, severity=, name=, room= or integration=`,
      );
    }
    query[match[1] === 'name' ? 'alertname' : match[1]!] = match[2]!.replace(/^#/, '');
  }
  return query;
}

/** `<matchers or #id> for <duration> ["reason"]`. */
export function parseSilenceSpec(text: string): {
  target: Matcher[] | number;
  durationMs: number;
  reason: string | undefined;
} {
  const match = /^(.*?)\s+for\s+(\S+)(?:\s+(.+))?$/s.exec(text.trim());
  if (!match)
    throw new ValidationError(
      'usage: silence <matchers or #id> for <duration> "reason", e.g. silence alertname=DiskFull env=prod for 2h "disk swap"',
    );
  const duration = parseDuration(match[2]!);
  if (!duration.ok) throw new ValidationError(`the duration '${match[2]}' ${duration.reason}`);
  const reason =
    match[3]
      ?.trim()
      .replace(/^["“']|["”']$/g, '')
      .trim() || undefined;
  const id = /^#?(\d+)$/.exec(match[1]!.trim());
  return { target: id ? Number(id[1]) : parseMatchers(match[1]!), durationMs: duration.ms, reason };
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** alerts, alert, ack, mute, resolve, silence, silences, unsilence. */
export function alertCommands(deps: AlertCommandDeps): Command[] {
  const group = 'Alerts';
  const { service } = deps;
  return [
    defineCommand({
      name: 'alerts',
      group,
      summary: 'Open alert groups (filters: status= severity= name= room=), the noise report, or a dry run',
      usage: ['alerts noise [since {{since}}]', 'alerts test {{query}}', 'alerts [{{query}}]'],
      args: {
        since: {
          type: 'duration',
          default: 7 * 86_400_000,
          min: 60_000,
          description: 'How far back the noise report looks',
        },
        query: {
          type: 'string',
          rest: true,
          description:
            'Filters (status=firing severity=critical name=X room=#ops), or the JSON for `alerts test`',
        },
      },
      permission: 'alerts:read',
      // Filters are `key=value` pairs (they arrive in extra); the JSON of `alerts test` is read from the line.
      allowExtra: true,
      instant: true,
      examples: [
        'alerts',
        'alerts status=all severity=critical',
        'alerts noise since 30d',
        'alerts test {"labels":{"alertname":"X"}}',
      ],
      run: async ({ args, actor, line, extra }) => {
        if (/^\s*\S+\s+noise\b/i.test(line)) {
          const rows = await deps.noise(args.since ?? 7 * 86_400_000);
          if (rows.length === 0) return `No alerts in the last ${formatDuration(args.since ?? 0)}.`;
          return [
            `Noise report, last ${formatDuration(args.since ?? 0)} (per alert name, most fired first):`,
            '| alert | fired | median ack | auto-resolved <5m | acked, no follow-up | flapping | actionable |',
            '| --- | --- | --- | --- | --- | --- | --- |',
            ...rows
              .slice(0, 30)
              .map(
                (r) =>
                  `| ${r.alertname} | ${r.fired} | ${r.medianAckMs === null ? '—' : shortDuration(r.medianAckMs)} | ${percent(r.autoResolvedShare)} | ${r.ackedNoFollowUp} | ${r.flapping} | ${percent(r.actionableShare)} |`,
              ),
            'Make every alert actionable: fix or delete those nobody acts on, send the rest to the right room, and group duplicates.',
          ].join('\n');
        }
        if (/^\s*\S+\s+test\b/i.test(line)) {
          const payload = line.replace(/^.*?\balerts\s+test\s+/is, '').trim();
          if (payload.startsWith('@')) {
            throw new ValidationError(
              'paste the JSON here; `opsroom alerts test @file` reads a file on your machine',
            );
          }
          const result = await deps.dryRun(payload);
          return { text: result.text, ...(result.card ? { card: result.card } : {}) };
        }
        const groups = await service.list(actor, { ...parseFilters(args.query, extra), limit: 25 } as never);
        if (groups.length === 0) return 'No alerts match. 🎉';
        const now = deps.clock.nowMs();
        return [
          ...groups.map((g) => groupLine(g, now)),
          'Type `alert <id>` for details, `ack <id>` to take one.',
        ].join('\n');
      },
    }),
    defineCommand({
      name: 'alert',
      group,
      summary: 'One alert group: status, alerts, labels and links (`alert 12 runbook` posts its runbook)',
      usage: ['alert {{id}} [{{show}}]'],
      args: {
        id: { type: 'integer', required: true, min: 1, description: 'The group number shown on its card' },
        show: { type: 'enum', values: ['runbook', 'events'] },
      },
      permission: 'alerts:read',
      instant: true,
      examples: ['alert 12', 'alert 12 runbook'],
      run: async ({ args, actor, roomId }) => {
        const g = await service.get(actor, args.id);
        if (args.show === 'runbook') {
          const url = g.alerts.find((a) => a.annotations.runbook_url)?.annotations.runbook_url;
          if (!url) throw new NotFoundError('runbook of alert', String(args.id));
          const text = `📖 Runbook for #${g.id} ${g.alertname}: ${url}`;
          if (g.messageId && roomId === g.roomId)
            await deps.poster.say({ roomId, threadId: g.messageId }, { text });
          return text;
        }
        if (args.show === 'events') {
          const events = await service.events(actor, args.id);
          return [
            `History of #${g.id}:`,
            ...events.map(
              (e) =>
                `- ${e.at.slice(0, 19).replace('T', ' ')} ${e.kind}${e.actor ? ` by @${e.actor}` : ''}${e.alertname ? ` (${e.alertname})` : ''}`,
            ),
          ].join('\n');
        }
        const lines = g.alerts.slice(0, 20).map((a) => {
          const labels = Object.entries(a.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
          return `- ${a.status === 'firing' ? (a.muted ? '🔇' : '🔥') : '✅'} \`${labels}\` since ${a.startsAt.slice(0, 16).replace('T', ' ')}${a.annotations.summary ? ` — ${a.annotations.summary}` : ''}`;
        });
        return [
          groupLine(g, deps.clock.nowMs()),
          ...lines,
          g.alerts.length > 20 ? `… ${g.alerts.length - 20} more` : '',
        ]
          .filter(Boolean)
          .join('\n');
      },
    }),
    defineCommand({
      name: 'ack',
      group,
      summary: 'Acknowledge an alert group: no more reminders; its resolve still arrives',
      usage: ['ack {{id}}'],
      args: { id: { type: 'integer', required: true, min: 1 } },
      permission: 'alerts:ack',
      instant: true,
      examples: ['ack 12'],
      run: async ({ args, actor }) => {
        const g = await service.ack(actor, args.id);
        return `👀 #${g.id} ${g.alertname} acked by @${g.ackedBy}.`;
      },
    }),
    defineCommand({
      name: 'mute',
      group,
      summary: 'Mute an alert group until it resolves (the card stays current, the room hears nothing more)',
      usage: ['mute {{id}}'],
      args: { id: { type: 'integer', required: true, min: 1 } },
      permission: 'alerts:ack',
      instant: true,
      examples: ['mute 12'],
      run: async ({ args, actor }) => {
        const g = await service.mute(actor, args.id);
        return `🔕 #${g.id} ${g.alertname} is muted until it resolves.`;
      },
    }),
    defineCommand({
      name: 'resolve',
      group,
      summary: 'Resolve an alert group by hand (generic, GitHub and Slack sources)',
      usage: ['resolve {{id}}'],
      args: { id: { type: 'integer', required: true, min: 1 } },
      permission: 'alerts:resolve',
      instant: true,
      examples: ['resolve 12'],
      run: async ({ args, actor }) => {
        const g = await service.resolve(actor, args.id);
        return `✅ #${g.id} ${g.alertname} resolved by @${actor.username}.`;
      },
    }),
    defineCommand({
      name: 'silence',
      group,
      summary: 'Silence alerts matching labels (or an alert group) for a while',
      usage: ['silence {{spec}}'],
      args: {
        spec: {
          type: 'string',
          rest: true,
          description: '<matchers or #id> for <duration> "reason"',
        },
      },
      permission: 'alerts:silence',
      // Matchers look like `key=value` pairs to the tokenizer; the spec is read from the line as typed.
      allowExtra: true,
      instant: true,
      examples: ['silence alertname=DiskFull env=prod for 2h "disk swap tonight"', 'silence #12 for 1h'],
      run: async ({ actor, line }) => {
        const spec = parseSilenceSpec(line.replace(/^.*?\bsilence\s+/is, ''));
        const matchers =
          typeof spec.target === 'number' ? await service.groupMatchers(actor, spec.target) : spec.target;
        const reason =
          spec.reason ??
          (typeof spec.target === 'number' ? `alert #${spec.target}, from chat` : '(no reason given)');
        const s = await service.silence(actor, { matchers, durationMs: spec.durationMs, reason });
        return `${silenceLine(s)}\nRemove it early with \`unsilence ${s.id}\`.`;
      },
    }),
    defineCommand({
      name: 'silences',
      group,
      summary: 'Active silences',
      usage: ['silences [{{which}}]'],
      args: { which: { type: 'enum', values: ['all'] } },
      permission: 'alerts:read',
      instant: true,
      examples: ['silences', 'silences all'],
      run: async ({ args, actor }) => {
        const list = await service.silences(actor, args.which === 'all');
        if (list.length === 0) return 'No active silences.';
        return list.map(silenceLine).join('\n');
      },
    }),
    defineCommand({
      name: 'unsilence',
      group,
      summary: 'End a silence now',
      usage: ['unsilence {{id}}'],
      args: { id: { type: 'integer', required: true, min: 1 } },
      permission: 'alerts:silence',
      instant: true,
      examples: ['unsilence 3'],
      run: async ({ args, actor }) => {
        const s = await service.unsilence(actor, args.id);
        return `Silence ${s.id} ended by @${actor.username}.`;
      },
    }),
  ];
}
