export type ProposalKind = 'confirm' | 'approval';
export type ProposalStatus = 'pending' | 'confirmed' | 'approved' | 'denied' | 'cancelled' | 'expired';

export interface BotProposalsTable {
  nonce: string;
  kind: ProposalKind;
  status: ProposalStatus;
  command: string;
  line: string;
  permission: string;
  /** The parsed arguments as JSON: approvers are checked against grants scoped by argument value. */
  args: string;
  requesterId: string;
  requester: string;
  /** The scopes of the token the proposal was made with, as JSON (null: a session, unbounded). */
  requesterScopes: string | null;
  channel: string;
  roomId: string | null;
  roomName: string | null;
  threadId: string | null;
  messageId: string | null;
  createdAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  jobId: number | null;
}

declare module '../../../storage/tables.js' {
  interface DB {
    botProposals: BotProposalsTable;
  }
}
