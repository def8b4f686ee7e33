/** How deploys, locks and histories read in chat. */

import { SUGGESTION_ACTION } from '../bot/natural-language-card.js';
import type { Card } from '../chat/schema.js';
import { formatDuration } from '../jobs/card.js';
import type { DeployLockView, DeployView } from './schema.js';

type Field = NonNullable<Card['fields']>[number];

const ICON: Record<DeployView['status'], string> = {
  running: '▶️',
  succeeded: '✅',
  failed: '❌',
  cancelled: '⏹️',
  timed_out: '⌛',
  interrupted: '⚠️',
};

/** `3m ago`, `2h ago`, `4d ago`. */
export function ago(iso: string, nowMs: number): string {
  const ms = Math.max(0, nowMs - Date.parse(iso));
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h ago`;
  return `${Math.floor(ms / 86_400_000)}d ago`;
}

export function describeLock(lock: DeployLockView, nowMs: number): string {
  return `🔒 \`${lock.app}\` in ${lock.environment} is locked by @${lock.lockedBy} since ${lock.lockedAt} (${ago(lock.lockedAt, nowMs)}): “${lock.reason}”.`;
}

/** The deploy's own fields on its job card: what, where, which commit, links. */
export function deployFields(
  deploy: Pick<
    DeployView,
    'id' | 'app' | 'environment' | 'task' | 'ref' | 'sha' | 'hosts' | 'url' | 'forced' | 'rollbackOf'
  >,
  extra: { repository?: string | undefined; commits?: number | undefined } = {},
): Field[] {
  const fields: Field[] = [
    {
      title: 'Deploy',
      value: `#${deploy.id}${deploy.rollbackOf !== null ? ` (rollback from #${deploy.rollbackOf})` : ''}`,
      short: true,
    },
    {
      title: 'App',
      value: `${deploy.app} → ${deploy.environment}${deploy.hosts ? `/${deploy.hosts}` : ''}`,
      short: true,
    },
    {
      title: 'Ref',
      value: deploy.task === 'deploy' ? deploy.ref : `${deploy.ref} (task ${deploy.task})`,
      short: true,
    },
    { title: 'SHA', value: deploy.sha ? deploy.sha.slice(0, 12) : 'unknown yet', short: true },
  ];
  if (deploy.forced) fields.push({ title: 'Forced', value: 'yes, through a freeze (audited)', short: true });
  if (extra.commits !== undefined)
    fields.push({ title: 'Commits', value: String(extra.commits), short: true });
  const links: string[] = [];
  if (deploy.url) links.push(deploy.url);
  if (extra.repository && deploy.sha)
    links.push(`https://github.com/${extra.repository}/commit/${deploy.sha}`);
  if (links.length > 0) fields.push({ title: 'Links', value: links.join('\n') });
  return fields;
}

export function historyLine(d: DeployView, nowMs: number): string {
  const sha = d.sha ? ` ${d.sha.slice(0, 7)}` : '';
  const took = d.durationMs === null ? '' : ` in ${formatDuration(d.durationMs)}`;
  const task = d.task === 'deploy' ? '' : ` (${d.task})`;
  const extra = [
    d.forced ? 'forced' : '',
    d.rollbackOf !== null ? `rollback from #${d.rollbackOf}` : '',
    d.approvedBy ? `approved by @${d.approvedBy}` : '',
  ]
    .filter((s) => s !== '')
    .join(', ');
  return `${ICON[d.status]} #${d.id} \`${d.app}/${d.ref}\`${sha}${task} → ${d.environment} by @${d.requester}, ${ago(d.startedAt, nowMs)}${took}${extra ? ` — ${extra}` : ''}${d.jobId !== null ? ` (job ${d.jobId})` : ''}`;
}

export function historyCard(title: string, deploys: DeployView[], nowMs: number): Card {
  const card: Card = {
    title,
    text: deploys.length === 0 ? 'No deploys yet.' : deploys.map((d) => historyLine(d, nowMs)).join('\n'),
  };
  const last = deploys.find((d) => d.status === 'succeeded');
  if (last && deploys.every((d) => d.app === last.app && d.environment === last.environment)) {
    card.buttons = [
      {
        actionId: SUGGESTION_ACTION,
        label: 'Roll back',
        style: 'danger',
        value: `rollback ${last.app} in ${last.environment}`,
      },
    ];
  }
  return card;
}

export function locksCard(locks: DeployLockView[], nowMs: number): Card {
  if (locks.length === 0) return { title: 'Deploy locks', text: 'Nothing is locked.' };
  return {
    title: `Deploy locks (${locks.length})`,
    text: locks.map((l) => describeLock(l, nowMs)).join('\n'),
    buttons: locks.slice(0, 10).map((l) => ({
      actionId: SUGGESTION_ACTION,
      label: `Unlock ${l.app} ${l.environment}`.slice(0, 60),
      value: `unlock ${l.app} in ${l.environment}`,
    })),
  };
}
