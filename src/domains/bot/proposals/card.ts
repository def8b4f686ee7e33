import type { Card } from '../../chat/schema.js';
import type { BotProposalsTable } from './table.js';

export const PROPOSAL_ACTIONS = {
  confirm: 'proposal.confirm',
  cancel: 'proposal.cancel',
  approve: 'proposal.approve',
  deny: 'proposal.deny',
} as const;

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m <= 1 ? '1 minute' : `${m} minutes`;
}

/** The card that asks for a confirmation or an approval, and then says how it was decided. */
export function proposalCard(p: BotProposalsTable, nowMs: number): Card {
  const left = Date.parse(p.expiresAt) - nowMs;
  const line = `\`${p.line.length > 300 ? `${p.line.slice(0, 299)}…` : p.line}\``;
  if (p.status === 'pending' && p.kind === 'confirm') {
    return {
      title: `Confirm: ${p.command}`,
      color: 'warning',
      text: `@${p.requester}, ${line} needs your confirmation. Reply \`confirm ${p.nonce}\` or press Confirm within ${minutes(left)}. A plain "yes" does nothing.`,
      fields: [{ title: 'Permission', value: p.permission, short: true }],
      buttons: [
        { actionId: PROPOSAL_ACTIONS.confirm, label: 'Confirm', style: 'primary', value: p.nonce },
        { actionId: PROPOSAL_ACTIONS.cancel, label: 'Cancel', value: p.nonce },
      ],
      footer: `proposal ${p.nonce} · expires ${p.expiresAt}`,
    };
  }
  if (p.status === 'pending') {
    return {
      title: `Approval needed: ${p.command}`,
      color: 'warning',
      text: `@${p.requester} asks to run ${line}. Someone else with \`${p.permission}\` must approve: \`approve ${p.nonce}\` or \`deny ${p.nonce} "reason"\`, within ${minutes(left)}.`,
      fields: [
        { title: 'Requested by', value: `@${p.requester}`, short: true },
        { title: 'Needs', value: p.permission, short: true },
      ],
      buttons: [
        { actionId: PROPOSAL_ACTIONS.approve, label: 'Approve', style: 'primary', value: p.nonce },
        { actionId: PROPOSAL_ACTIONS.deny, label: 'Deny', style: 'danger', value: p.nonce },
      ],
      footer: `proposal ${p.nonce} · expires ${p.expiresAt}`,
    };
  }
  const outcome: Record<Exclude<BotProposalsTable['status'], 'pending'>, [string, Card['color']]> = {
    confirmed: [`Confirmed by @${p.decidedBy}`, 'info'],
    approved: [`Approved by @${p.decidedBy}`, 'info'],
    denied: [`Denied by @${p.decidedBy}${p.reason ? `: ${p.reason}` : ''}`, 'danger'],
    cancelled: [`Withdrawn by @${p.decidedBy}`, 'neutral'],
    expired: ['Expired before anyone decided; nothing ran', 'neutral'],
  };
  const [text, color] = outcome[p.status];
  return {
    title: `${p.kind === 'confirm' ? 'Confirm' : 'Approval'}: ${p.command}`,
    color,
    text: `${line}: ${text}.${p.jobId ? ` Job #${p.jobId}.` : ''}`,
    footer: `proposal ${p.nonce}`,
  };
}
