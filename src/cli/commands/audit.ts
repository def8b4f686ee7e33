import type { Command } from 'commander';
import { CliExit } from '../cli-exit.js';
import type { AuditQuery, AuditRecord } from '../client.js';
import type { CliContext } from '../context.js';
import { clean, dateTime, wholeNumber } from '../format.js';
import { table } from '../io.js';

/**
 * What a record was about, in one short cell: the command line, else the detail as `key=value` pairs
 * without ids and times (the columns and `--json` have those).
 */
function summary(record: AuditRecord): string {
  let text = record.commandLine ?? '';
  if (record.commandLine === null) {
    const detail = JSON.parse(record.detail) as Record<string, unknown>;
    text = Object.entries(detail)
      .filter(([key]) => !/(Id|At)$/.test(key))
      .map(([key, value]) => `${key}=${plain(value)}`)
      .join(' ');
  }
  const line = clean(text).replace(/\s+/g, ' ');
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function plain(value: unknown): string {
  if (Array.isArray(value)) return value.map(plain).join(',');
  return typeof value === 'string' && /^\S+$/.test(value) ? value : JSON.stringify(value);
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the tamper-evident audit log (admin)');

  audit
    .command('list')
    .description('audit records, newest first')
    .option('-n, --limit <n>', 'how many', wholeNumber(1, 500), 50)
    .option(
      '--before <seq>',
      'only records before this sequence number',
      wholeNumber(1, Number.MAX_SAFE_INTEGER),
    )
    .option('--actor <username>', 'only what this user did')
    .option('--action <action>', 'only this action, e.g. command.run or user.created')
    .action(async (opts: { limit: number; before?: number; actor?: string; action?: string }) => {
      const query: AuditQuery = { limit: opts.limit };
      if (opts.before !== undefined) query.before = opts.before;
      if (opts.actor !== undefined) query.actor = opts.actor.replace(/^@/, '');
      if (opts.action !== undefined) query.action = opts.action;
      const page = await ctx.withClient((client) => client.auditList(query));
      if (ctx.json) return ctx.out.json(page);
      if (page.records.length === 0) return ctx.notice('no audit records');
      ctx.out.line(
        table(
          ['SEQ', 'TIME', 'ACTOR', 'VIA', 'ACTION', 'DECISION', 'OUTCOME', 'WHAT'],
          page.records.map((r) => [
            String(r.seq),
            dateTime(r.at),
            clean(r.actor),
            r.channel,
            clean(r.action),
            r.decidedBy === null ? r.decision : `${r.decision} by ${clean(r.decidedBy)}`,
            clean(r.outcome ?? '-'),
            summary(r),
          ]),
        ),
      );
      if (page.nextBefore !== null) ctx.notice(`older records: --before ${page.nextBefore}`);
    });

  audit
    .command('verify')
    .description(
      'check the hash chain; exits 1 and names the first bad record if any was edited, deleted or inserted',
    )
    .action(async () => {
      const result = await ctx.withClient((client) => client.auditVerify());
      if (ctx.json) ctx.out.json(result);
      else if (result.ok) {
        const last = result.lastHash === null ? '' : `; last hash ${result.lastHash}`;
        ctx.out.line(`Audit log intact: ${result.count} records${last}`);
      } else ctx.out.line(`Audit log TAMPERED at seq ${result.seq}: ${result.reason}`);
      if (!result.ok) throw new CliExit(1);
    });

  audit
    .command('export')
    .description('write every audit record to stdout as JSONL, oldest first, with its hashes')
    .action(async () => {
      await ctx.withClient(async (client) => {
        for await (const record of client.auditExport()) await ctx.out.lineAsync(JSON.stringify(record));
      });
    });
}
