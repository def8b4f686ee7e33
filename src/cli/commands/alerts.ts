import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import type { CliContext } from '../context.js';
import { dateTime, wholeNumber } from '../format.js';
import { table } from '../io.js';

/** `opsroom alerts list|test`: the same API as `GET /api/alerts` and the `alerts` bot command. */
export function registerAlertCommands(program: Command, ctx: CliContext): void {
  const alerts = program
    .command('alerts')
    .description('alert groups and dry runs (ack, silence and the rest: `opsroom run "ack 12"`)');

  alerts
    .command('list', { isDefault: true })
    .description('alert groups, newest first (open ones unless --status)')
    .option('--status <status>', 'open, all, firing, acked, silenced, inhibited or resolved', 'open')
    .option('--severity <severity>', 'only this severity')
    .option('--name <alertname>', 'only this alert name')
    .option('--room <room>', 'only groups posted to this room')
    .option('--limit <n>', 'at most this many', wholeNumber(1, 500), 50)
    .action(
      async (opts: { status: string; severity?: string; name?: string; room?: string; limit: number }) => {
        const groups = await ctx.withClient((client) =>
          client.listAlerts({
            status: opts.status as 'open',
            limit: opts.limit,
            ...(opts.severity ? { severity: opts.severity } : {}),
            ...(opts.name ? { alertname: opts.name } : {}),
            ...(opts.room ? { room: opts.room } : {}),
          }),
        );
        if (ctx.json) return ctx.out.json(groups);
        if (groups.length === 0) return ctx.out.line('No alerts match.');
        ctx.out.line(
          table(
            ['ID', 'STATUS', 'SEVERITY', 'ALERT', 'FIRING', 'SINCE', 'ACKED BY'],
            groups.map((g) => [
              String(g.id),
              g.status,
              g.severity,
              g.alertname,
              String(g.firing),
              dateTime(g.createdAt),
              g.ackedBy ?? '-',
            ]),
          ),
        );
      },
    );

  alerts
    .command('test')
    .description('dry run: route, group, inhibition, silences and the card for a payload; nothing is stored')
    .argument(
      '<payload>',
      'the JSON (generic, Alertmanager or Grafana body), or @file to read it from a file',
    )
    .action(async (payload: string) => {
      let json = payload;
      if (payload.startsWith('@')) {
        try {
          json = await readFile(payload.slice(1), 'utf8');
        } catch (error) {
          throw new ValidationError(`cannot read ${payload.slice(1)}: ${(error as Error).message}`);
        }
      }
      const result = await ctx.withClient((client) => client.testAlert(json));
      if (ctx.json) return ctx.out.json(result);
      ctx.out.line(result.text);
      if (result.card) ctx.out.line(`\nCard: ${result.card.title}`);
    });
}
