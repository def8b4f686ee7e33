/**
 * `audit` and `explain`: the built-ins that look at the bot instead of doing something. `audit` reads
 * the audit log in chat (admins); `explain` is a dry run that shows how a line would be understood and
 * whether it would be allowed, without running anything.
 */
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { AuditListQuery, AuditPage, AuditRecord } from '../audit/schema.js';
import { AUDIT_DECISIONS } from '../audit/schema.js';
import type { Policy } from '../policy/policy.js';
import { type ArgSpec, describeValue } from './arg-types.js';
import { type Command, defineCommand, type Risk } from './command.js';
import { formatDuration } from './duration.js';
import { describeRisk, renderParseFailure, usageLines } from './help.js';
import { type ParsedCommand, parseCommandLine } from './parser.js';
import type { CommandRegistry } from './registry.js';

export interface InspectDeps {
  registry: CommandRegistry;
  clock: Clock;
  /** The audit log (AuditService fits); it checks the viewer itself too. */
  audit: { list(viewer: Actor, query: AuditListQuery): Promise<AuditPage> };
  /**
   * The evaluator the dispatcher enforces, so `explain` answers with the rule that applies. `mayUse`
   * (when given) limits "did you mean" to commands the asker could run, as help does.
   */
  policy: Pick<Policy, 'allows'> & Partial<Pick<Policy, 'mayUse'>>;
  /** A room's name from its id, for room-scoped grants and allowed rooms; without it rooms are not judged. */
  roomName?: (roomId: string) => Promise<string | undefined>;
}

const GROUP = 'Built-in';
const DEFAULT_LIMIT = 20;
/** `decision=` is filtered here (the audit query has no such filter): read this many records at most. */
const AUDIT_SCAN = 5000;
const AUDIT_PAGE = 500;
const WHAT_WIDTH = 80;

/**
 * The `audit` and `explain` commands. Register each in the bot's registry.
 *
 * @example
 * ```ts
 * for (const command of inspectCommands({ registry, clock, audit: app.audit, policy })) {
 *   registry.register(command);
 * }
 * ```
 */
export function inspectCommands(deps: InspectDeps): Command[] {
  return [auditCommand(deps), explainCommand(deps)];
}

function auditCommand(deps: InspectDeps): Command {
  return defineCommand({
    name: 'audit',
    group: GROUP,
    summary: 'Read the audit log, newest first (admins)',
    description:
      'Filters are key=value pairs: `actor=@alice`, `action=command.run`, `decision=denied`, ' +
      '`limit=20` (at most 100) and `before=<seq>` to page back.',
    usage: ['audit'],
    args: {
      actor: { type: 'user', description: 'Only what this user did' },
      action: {
        type: 'string',
        pattern: /^[a-z][a-z0-9_.-]*$/,
        maxLength: 100,
        description: 'Only this action, e.g. command.run or user.created',
      },
      decision: { type: 'enum', values: AUDIT_DECISIONS, description: 'Only this decision' },
      limit: { type: 'integer', min: 1, max: 100, default: DEFAULT_LIMIT, description: 'Records per page' },
      before: { type: 'integer', min: 1, description: 'Only records older than this seq (paging)' },
    },
    permission: 'audit:read',
    instant: true,
    examples: ['audit', 'audit actor=@alice decision=denied limit=20', 'audit action=command.run before=120'],
    run: async ({ args, actor, signal }) => {
      const filters = {
        ...(args.actor === undefined ? {} : { actor: args.actor }),
        ...(args.action === undefined ? {} : { action: args.action }),
      };
      const found = await readAudit(deps, actor, {
        filters,
        limit: args.limit,
        ...(args.before === undefined ? {} : { before: args.before }),
        ...(args.decision === undefined ? {} : { decision: args.decision }),
        signal,
      });
      const shown = [
        args.actor === undefined ? '' : `actor=@${args.actor}`,
        args.action === undefined ? '' : `action=${args.action}`,
        args.decision === undefined ? '' : `decision=${args.decision}`,
        args.limit === DEFAULT_LIMIT ? '' : `limit=${args.limit}`,
      ].filter((part) => part !== '');
      return renderAudit(found, shown);
    },
  });
}

interface AuditRead {
  records: AuditRecord[];
  /** The `before=` of the next page, or undefined when this was the last. */
  next: number | undefined;
  /** Set when the scan for `decision=` stopped before reaching the start of the log. */
  scanned?: number;
}

async function readAudit(
  deps: InspectDeps,
  viewer: Actor,
  query: {
    filters: { actor?: string; action?: string };
    limit: number;
    before?: number;
    decision?: string;
    signal: AbortSignal;
  },
): Promise<AuditRead> {
  const { filters, limit, decision } = query;
  if (decision === undefined) {
    const page = await deps.audit.list(viewer, {
      ...filters,
      limit,
      ...(query.before === undefined ? {} : { before: query.before }),
    });
    return { records: page.records, next: page.nextBefore ?? undefined };
  }
  // The audit query cannot filter by decision: page back through the (otherwise filtered) log, bounded.
  const records: AuditRecord[] = [];
  let before = query.before;
  let scanned = 0;
  while (scanned < AUDIT_SCAN && !query.signal.aborted) {
    const page = await deps.audit.list(viewer, {
      ...filters,
      limit: AUDIT_PAGE,
      ...(before === undefined ? {} : { before }),
    });
    for (const record of page.records) {
      scanned++;
      if (record.decision !== decision) continue;
      records.push(record);
      if (records.length === limit) return { records, next: record.seq };
    }
    if (page.nextBefore === null) return { records, next: undefined };
    before = page.nextBefore;
  }
  return { records, next: before, scanned };
}

function renderAudit(found: AuditRead, filters: string[]): string {
  const filterText = filters.length > 0 ? ` (${filters.join(' ')})` : '';
  const lines: string[] = [];
  if (found.records.length === 0) {
    lines.push(`No audit records match${filterText}.`);
  } else {
    const noun = found.records.length === 1 ? 'record' : 'records';
    lines.push(`**Audit log**, newest first${filterText}: ${found.records.length} ${noun}`);
    const rows = found.records.map((r) => [
      String(r.seq),
      `${r.at.slice(0, 19).replace('T', ' ')}Z`,
      actorCell(r),
      r.channel,
      r.decision,
      whatCell(r),
    ]);
    lines.push('```', alignColumns(['SEQ', 'TIME', 'ACTOR', 'CHANNEL', 'DECISION', 'WHAT'], rows), '```');
  }
  if (found.scanned !== undefined) {
    lines.push(`Searched the newest ${found.scanned} records for that decision.`);
  }
  if (found.next !== undefined) {
    lines.push(`Older records: \`audit ${[...filters, `before=${found.next}`].join(' ')}\``);
  }
  return lines.join('\n');
}

function actorCell(record: AuditRecord): string {
  const via = viaIn(record.detail);
  return via === undefined ? record.actor : `${record.actor} (via ${via})`;
}

function viaIn(detail: string): string | undefined {
  try {
    const parsed = JSON.parse(detail) as { via?: unknown };
    return typeof parsed.via === 'string' ? parsed.via : undefined;
  } catch {
    return undefined;
  }
}

function whatCell(record: AuditRecord): string {
  const line = record.commandLine ?? '';
  let what =
    record.action === 'command.run' && line !== ''
      ? line
      : line
        ? `${record.action}: ${line}`
        : record.action;
  what = cell(what);
  if (what.length > WHAT_WIDTH) what = `${what.slice(0, WHAT_WIDTH - 1)}…`;
  return record.outcome === null ? what : `${what} → ${record.outcome}`;
}

// One line per cell, and nothing that could end the code block the table sits in.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
function cell(text: string): string {
  return text.replace(CONTROLS, ' ').replaceAll('```', "'''");
}

function alignColumns(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function explainCommand(deps: InspectDeps): Command {
  return defineCommand({
    name: 'explain',
    group: GROUP,
    summary: 'Show how a command line would be understood and whether you may run it (runs nothing)',
    usage: ['explain {{line}}'],
    args: { line: { type: 'string', rest: true, required: true, description: 'A command line' } },
    permission: 'bot:use',
    instant: true,
    examples: ['explain deploy api to prod', 'explain help'],
    run: async ({ args, actor, roomId }) => {
      const line = args.line.trim().replace(/^[!/]/, '');
      const visible = (command: Command) =>
        deps.policy.mayUse
          ? deps.policy.mayUse(actor, { command: command.name, permission: command.permission })
          : command.permission === undefined ||
            deps.policy.allows(actor, { permission: command.permission, command: command.name });
      const parsed = parseCommandLine(line, deps.registry, { nowMs: deps.clock.nowMs(), visible });
      const header = `**explain** \`${code(line)}\``;
      if (parsed.kind !== 'ok') {
        return `${header}: this line would not run.\n${renderParseFailure(parsed)}`;
      }
      const room = roomId === '' ? undefined : await deps.roomName?.(roomId);
      return `${header} (nothing was run)\n${explainParsed(parsed, actor, room, deps.policy)}`;
    },
  });
}

/** The dry-run report for a line that parsed: arguments, permission, risk, locks, timeout and rooms. */
export function explainParsed(
  parsed: ParsedCommand,
  actor: Actor,
  room: string | undefined,
  policy: Pick<Policy, 'allows'>,
): string {
  const { command, args, extra } = parsed;
  const lines: string[] = [];
  const usage = usageLines(command)[parsed.patternIndex] ?? command.name;
  lines.push(`**Command:** \`${command.name}\` — ${command.summary} (usage \`${code(usage)}\`)`);

  const argLines = Object.entries(command.args as Record<string, ArgSpec>).map(([name, spec]) => {
    const value = args[name];
    if (value === undefined) return `• \`${name}\` — not given`;
    const source = parsed.defaulted.includes(name) ? 'default' : 'given';
    return `• \`${name}\` = \`${code(describeValue(spec, value))}\` (${source})`;
  });
  for (const [key, value] of Object.entries(extra))
    argLines.push(`• \`${key}\` = \`${code(value)}\` (given, extra)`);
  lines.push(argLines.length > 0 ? '**Arguments**' : '**Arguments:** none', ...argLines);

  const permission = command.permissionFor(args as never);
  const allowed = policy.allows(actor, {
    permission,
    command: command.name,
    args,
    ...(room === undefined ? {} : { room }),
  });
  lines.push(
    `**Permission:** \`${permission}\` — ${allowed ? 'you have it' : `@${actor.username} does not have it`}`,
  );
  const risk = command.riskFor(args as never);
  lines.push(`**Risk:** ${risk} — ${describeRisk(command, risk)}`);
  const locks = command.locksFor(args as never);
  lines.push(`**Locks:** ${locks.length > 0 ? locks.map((l) => `\`${code(l)}\``).join(', ') : 'none'}`);
  lines.push(
    `**Timeout:** ${command.timeoutMs === undefined ? 'the server default' : formatDuration(command.timeoutMs)}`,
  );
  let roomOk = true;
  if (command.rooms && command.rooms.length > 0) {
    const list = command.rooms.map((r) => `#${r}`).join(', ');
    roomOk = room === undefined || command.rooms.includes(room);
    const here = room === undefined ? '' : roomOk ? ` (#${room} is one of them)` : ` (not #${room})`;
    lines.push(`**Rooms:** ${list}${here}`);
  } else {
    lines.push('**Rooms:** anywhere');
  }
  lines.push(`**Verdict:** ${verdict(risk, allowed, roomOk)}`);
  return lines.join('\n');
}

function verdict(risk: Risk, allowed: boolean, roomOk: boolean): string {
  if (!allowed) return 'it would be refused: you lack the permission';
  if (!roomOk) return 'it would be refused in this room';
  if (risk === 'confirm') return 'it would be proposed and wait for your confirmation';
  if (risk === 'approval') return 'it would wait for approval by someone else';
  return 'it would run';
}

/** Text for inside `…`: no backticks (they would end the span), cut short. */
function code(text: string): string {
  const flat = text.replace(CONTROLS, ' ').replaceAll('`', "'");
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
