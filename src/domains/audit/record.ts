/**
 * Turning an entry into a chained record: validation, redaction, canonical JSON and the hash. This is
 * the per-record CPU of the audit log (every bot command writes one), so it builds each canonical
 * string once, redacts strings while encoding them and checks the scalar fields with plain
 * comparisons; only an entry that fails them goes through the zod schema, for its error message.
 */
import * as crypto from 'node:crypto';
import { sha256Hex } from '../../core/ids.js';
import { parseOrThrow } from '../../core/validation.js';
import { canonicalJson } from './canonical-json.js';
import {
  AUDIT_CHANNELS,
  AUDIT_DECISIONS,
  type AuditEntry,
  type AuditRecord,
  auditEntryScalars,
} from './schema.js';

/** The `prev_hash` of record 1. */
export const GENESIS_HASH = '0'.repeat(64);
/** A 100 KB command line is still recorded (it may be the attack), but not all of it. */
export const MAX_COMMAND_LINE = 8192;

/**
 * The fields a record's hash covers, fixed here rather than "every column": a later migration that adds
 * a column must not change the hash of records written before it.
 */
const HASHED_FIELDS = [
  'seq',
  'at',
  'actor',
  'actorId',
  'channel',
  'roomId',
  'action',
  'commandLine',
  'args',
  'decision',
  'decidedBy',
  'jobId',
  'outcome',
  'detail',
  'prevHash',
] as const satisfies readonly (keyof AuditRecord)[];

/** sha256 as hex: the one-shot `crypto.hash` (Node ≥ 20.12) costs half of a `createHash` object. */
const sha256: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : sha256Hex;

/** sha256(prev_hash + canonical JSON of the record without its hash), as hex. */
export function recordHash(record: Omit<AuditRecord, 'hash'>): string {
  const { action, actor, actorId, args, at, channel, commandLine } = record;
  const { decidedBy, decision, detail, jobId, outcome, prevHash, roomId, seq } = record;
  // canonicalJson of the hashed fields when each is a string, null or a finite number: the keys of
  // this literal are in code-unit order and none is an array index, so JSON.stringify keeps that order
  // and writes each value as canonicalJson does, in one native call.
  const plain =
    isScalar(action) &&
    isScalar(actor) &&
    isScalar(actorId) &&
    isScalar(args) &&
    isScalar(at) &&
    isScalar(channel) &&
    isScalar(commandLine) &&
    isScalar(decidedBy) &&
    isScalar(decision) &&
    isScalar(detail) &&
    isScalar(jobId) &&
    isScalar(outcome) &&
    isScalar(prevHash) &&
    isScalar(roomId) &&
    isScalar(seq);
  if (!plain) return checkedRecordHash(record);
  const json = JSON.stringify({
    action,
    actor,
    actorId,
    args,
    at,
    channel,
    commandLine,
    decidedBy,
    decision,
    detail,
    jobId,
    outcome,
    prevHash,
    roomId,
    seq,
  });
  return sha256(prevHash + json);
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || value === null || (typeof value === 'number' && Number.isFinite(value));
}

/** The general form, for a record with a field of another type: canonicalJson refuses it by name. */
function checkedRecordHash(record: Omit<AuditRecord, 'hash'>): string {
  const hashed: Record<string, unknown> = {};
  for (const field of HASHED_FIELDS) hashed[field] = record[field];
  return sha256Hex(record.prevHash + canonicalJson(hashed));
}

/** A record before it has a place in the chain. */
export type PreparedEntry = Omit<AuditRecord, 'seq' | 'at' | 'prevHash' | 'hash'>;

const CHANNELS: ReadonlySet<unknown> = new Set(AUDIT_CHANNELS);
const DECISIONS: ReadonlySet<unknown> = new Set(AUDIT_DECISIONS);

const isText = (value: unknown, min: number, max: number): value is string =>
  typeof value === 'string' && value.length >= min && value.length <= max;
const isOptionalText = (value: unknown, max: number): value is string | null =>
  value === null || (typeof value === 'string' && value.length <= max);

/**
 * Validates, redacts and encodes an entry (outside any lock). Throws ValidationError for a bad scalar
 * and TypeError (naming where) for args or detail that JSON cannot hold.
 */
export function prepareEntry(entry: AuditEntry, redact: (text: string) => string): PreparedEntry {
  const scalars = {
    actor: entry.actor,
    actorId: entry.actorId,
    channel: entry.channel,
    action: entry.action,
    decision: entry.decision,
    roomId: entry.roomId ?? null,
    decidedBy: entry.decidedBy ?? null,
    jobId: entry.jobId ?? null,
    outcome: entry.outcome ?? null,
  };
  // The rules of auditEntryScalars as plain comparisons; the schema still judges (and words the
  // error for) anything that fails them.
  const valid =
    isText(scalars.actor, 1, 200) &&
    isText(scalars.actorId, 1, 200) &&
    CHANNELS.has(scalars.channel) &&
    isText(scalars.action, 1, 100) &&
    DECISIONS.has(scalars.decision) &&
    isOptionalText(scalars.roomId, 200) &&
    isOptionalText(scalars.decidedBy, 200) &&
    isOptionalText(scalars.jobId, 200) &&
    isOptionalText(scalars.outcome, 200);
  const checked = valid ? scalars : parseOrThrow(auditEntryScalars, scalars);
  // Written out rather than `{ ...checked, … }`, which V8 builds several microseconds slower.
  return {
    actor: checked.actor,
    actorId: checked.actorId,
    channel: checked.channel,
    roomId: checked.roomId,
    action: checked.action,
    decision: checked.decision,
    decidedBy: checked.decidedBy,
    jobId: checked.jobId,
    outcome: checked.outcome,
    commandLine: entry.commandLine == null ? null : cleanLine(entry.commandLine, redact),
    // Redacted while encoding: string values only, never keys.
    args: entry.args == null ? null : canonicalJson(entry.args, redact),
    detail: canonicalJson(entry.detail ?? {}, redact),
  };
}

function cleanLine(line: string, redact: (text: string) => string): string {
  // PostgreSQL refuses NUL and lone surrogates; the record must still be written.
  let clean = redact(line);
  if (!clean.isWellFormed()) clean = clean.toWellFormed();
  if (clean.includes('\u0000')) clean = clean.replaceAll('\u0000', '\uFFFD');
  if (clean.length > MAX_COMMAND_LINE) {
    clean = `${clean.slice(0, MAX_COMMAND_LINE).toWellFormed()}… [${clean.length} characters]`;
  }
  return clean;
}

/** Gives each entry its place after `head` (seq, time, previous hash) and its hash. */
export function chainRecords(
  batch: readonly PreparedEntry[],
  head: { seq: number; hash: string } | undefined,
  at: string,
): AuditRecord[] {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const records: AuditRecord[] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const f = batch[i]!;
    const record: AuditRecord = {
      seq: ++seq,
      at,
      actor: f.actor,
      actorId: f.actorId,
      channel: f.channel,
      roomId: f.roomId,
      action: f.action,
      commandLine: f.commandLine,
      args: f.args,
      decision: f.decision,
      decidedBy: f.decidedBy,
      jobId: f.jobId,
      outcome: f.outcome,
      detail: f.detail,
      prevHash,
      hash: '',
    };
    record.hash = recordHash(record);
    prevHash = record.hash;
    records[i] = record;
  }
  return records;
}
