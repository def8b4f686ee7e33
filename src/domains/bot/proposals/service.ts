import type { Kysely } from 'kysely';
import type { Actor } from '../../../core/actor.js';
import type { CancelTimer, Clock } from '../../../core/clock.js';
import {
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
} from '../../../core/errors.js';
import { randomCode } from '../../../core/ids.js';
import type { DB } from '../../../storage/tables.js';
import type { Policy } from '../../policy/policy.js';
import type { BotProposalsTable, ProposalKind, ProposalStatus } from './table.js';
import './table.js';

export type Proposal = BotProposalsTable;

export interface ProposalDeps {
  db: Kysely<DB>;
  clock: Clock;
  policy: Policy;
  confirmTtlMs: number;
  approvalTtlMs: number;
  /** Told when a proposal is decided or expires: update its card, write the audit record. */
  onChange: (proposal: Proposal) => Promise<void> | void;
}

export interface NewProposal {
  kind: ProposalKind;
  command: string;
  line: string;
  permission: string;
  args: Readonly<Record<string, unknown>>;
  actor: Actor;
  roomId?: string | undefined;
  roomName?: string | undefined;
  threadId?: string | undefined;
}

/**
 * Risky runs wait here. A `confirm` proposal can be confirmed only by its requester, with its nonce; an
 * `approval` can be approved or denied only by someone else who holds the permission the run needs.
 * Both expire: a timer on the injected clock marks them expired, and every decision re-checks the time.
 */
export class ProposalService {
  private readonly timers = new Map<string, CancelTimer>();

  constructor(private readonly deps: ProposalDeps) {}

  async propose(input: NewProposal): Promise<Proposal> {
    const now = this.deps.clock.nowMs();
    const ttl = input.kind === 'confirm' ? this.deps.confirmTtlMs : this.deps.approvalTtlMs;
    for (let attempt = 0; ; attempt++) {
      const proposal: Proposal = {
        nonce: randomCode(4 + Math.min(attempt, 4)).toLowerCase(),
        kind: input.kind,
        status: 'pending',
        command: input.command,
        line: input.line,
        permission: input.permission,
        args: JSON.stringify(input.args),
        requesterId: input.actor.userId,
        requester: input.actor.username,
        requesterScopes: input.actor.scopes === undefined ? null : JSON.stringify(input.actor.scopes),
        channel: input.actor.channel,
        roomId: input.roomId ?? null,
        roomName: input.roomName ?? null,
        threadId: input.threadId ?? null,
        messageId: null,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + ttl).toISOString(),
        decidedBy: null,
        decidedAt: null,
        reason: null,
        jobId: null,
      };
      const inserted = await this.deps.db
        .insertInto('botProposals')
        .values(proposal)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) continue;
      this.arm(proposal);
      return proposal;
    }
  }

  async get(nonce: string): Promise<Proposal | undefined> {
    return this.deps.db
      .selectFrom('botProposals')
      .selectAll()
      .where('nonce', '=', nonce.toLowerCase())
      .executeTakeFirst();
  }

  async attachMessage(nonce: string, messageId: string): Promise<void> {
    await this.deps.db.updateTable('botProposals').set({ messageId }).where('nonce', '=', nonce).execute();
  }

  async attachJob(nonce: string, jobId: number): Promise<void> {
    await this.deps.db.updateTable('botProposals').set({ jobId }).where('nonce', '=', nonce).execute();
  }

  /** The requester confirms their own risky run. */
  async confirm(nonce: string, actor: Actor): Promise<Proposal> {
    const p = await this.pending(nonce, 'confirm');
    if (p.requesterId !== actor.userId) {
      throw new PermissionDeniedError(`Only @${p.requester} can confirm proposal ${p.nonce}.`);
    }
    return this.decide(p, 'confirmed', actor);
  }

  /** Someone other than the requester, holding the permission, approves. */
  async approve(nonce: string, actor: Actor): Promise<Proposal> {
    const p = await this.pending(nonce, 'approval');
    this.checkApprover(p, actor);
    return this.decide(p, 'approved', actor);
  }

  /** An approver refuses (with a reason), or the requester withdraws their own request. */
  async deny(nonce: string, actor: Actor, reason: string | undefined): Promise<Proposal> {
    const p = await this.pending(nonce);
    if (p.requesterId === actor.userId) return this.decide(p, 'cancelled', actor, reason);
    if (p.kind === 'confirm') throw new PermissionDeniedError(`Only @${p.requester} can cancel ${p.nonce}.`);
    this.checkApprover(p, actor);
    return this.decide(p, 'denied', actor, reason);
  }

  /** Re-arms expiry timers after a restart; proposals that expired meanwhile expire now. */
  async recover(): Promise<void> {
    const pending = await this.deps.db
      .selectFrom('botProposals')
      .selectAll()
      .where('status', '=', 'pending')
      .execute();
    for (const p of pending) this.arm(p);
  }

  stop(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  private checkApprover(p: Proposal, actor: Actor): void {
    if (p.requesterId === actor.userId) {
      throw new PermissionDeniedError(
        `You asked for ${p.nonce} yourself: someone else with \`${p.permission}\` must approve it.`,
      );
    }
    const allowed = this.deps.policy.allows(actor, {
      permission: p.permission,
      command: p.command,
      args: JSON.parse(p.args) as Record<string, unknown>,
      ...(p.roomName === null ? {} : { room: p.roomName }),
    });
    if (!allowed) {
      throw new PermissionDeniedError(`Approving ${p.nonce} needs the \`${p.permission}\` permission.`);
    }
  }

  private async pending(nonce: string, kind?: ProposalKind): Promise<Proposal> {
    const p = await this.get(nonce);
    if (!p || (kind !== undefined && p.kind !== kind)) {
      const what =
        kind === 'approval' ? 'approval request' : kind === 'confirm' ? 'confirmation' : 'proposal';
      throw new NotFoundError(`A pending ${what}`, nonce);
    }
    if (p.status === 'pending' && Date.parse(p.expiresAt) <= this.deps.clock.nowMs()) {
      await this.expire(p);
      throw new ValidationError(`Proposal ${p.nonce} expired at ${p.expiresAt}; nothing ran. Ask again.`);
    }
    if (p.status !== 'pending') {
      throw new ConflictError(
        `Proposal ${p.nonce} was already ${p.status}${p.decidedBy ? ` by @${p.decidedBy}` : ''}.`,
      );
    }
    return p;
  }

  private async decide(
    p: Proposal,
    status: ProposalStatus,
    actor: Actor,
    reason?: string,
  ): Promise<Proposal> {
    const decidedAt = this.deps.clock.now().toISOString();
    // Only one decision wins, even when two people press the button at once.
    const result = await this.deps.db
      .updateTable('botProposals')
      .set({ status, decidedBy: actor.username, decidedAt, reason: reason ?? null })
      .where('nonce', '=', p.nonce)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const now = await this.get(p.nonce);
      throw new ConflictError(`Proposal ${p.nonce} was already ${now?.status ?? 'decided'}.`);
    }
    this.timers.get(p.nonce)?.();
    this.timers.delete(p.nonce);
    const decided: Proposal = { ...p, status, decidedBy: actor.username, decidedAt, reason: reason ?? null };
    await this.deps.onChange(decided);
    return decided;
  }

  private arm(p: Proposal): void {
    const wait = Date.parse(p.expiresAt) - this.deps.clock.nowMs();
    this.timers.set(
      p.nonce,
      this.deps.clock.setTimer(Math.max(wait, 0), () => {
        this.timers.delete(p.nonce);
        void this.expire(p);
      }),
    );
  }

  private async expire(p: Proposal): Promise<void> {
    const result = await this.deps.db
      .updateTable('botProposals')
      .set({ status: 'expired' })
      .where('nonce', '=', p.nonce)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return;
    const latest = await this.get(p.nonce);
    await this.deps.onChange({ ...(latest ?? p), status: 'expired' });
  }
}
