/** The `audit_log` row as Kysely sees it; merged into the DB interface so storage/tables.ts stays shared. */
export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  actorId: string;
  channel: string;
  roomId: string | null;
  action: string;
  commandLine: string | null;
  /** Canonical JSON text (see canonical-json.ts), exactly as hashed. */
  args: string | null;
  decision: string;
  decidedBy: string | null;
  jobId: string | null;
  outcome: string | null;
  /** Canonical JSON text of an object, exactly as hashed. */
  detail: string;
  prevHash: string;
  hash: string;
}

declare module '../../storage/tables.js' {
  interface DB {
    auditLog: AuditLogTable;
  }
}
