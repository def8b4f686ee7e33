import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { parseDuration } from '../../domains/bot/duration.js';
import { INTEGRATION_KINDS, type IntegrationKind } from '../../domains/integrations/schema.js';
import type { CliContext } from '../context.js';
import { dateTime, oneOf } from '../format.js';
import { table } from '../io.js';

const parseKind = oneOf('kind', INTEGRATION_KINDS);

function intervalSeconds(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new ValidationError(`--interval ${parsed.reason}`);
  return Math.round(parsed.ms / 1000);
}

/** `opsroom integration create|list|revoke`: the ways in for alerts (admin). */
export function registerIntegrationCommands(program: Command, ctx: CliContext): void {
  const integration = program
    .command('integration')
    .alias('integrations')
    .description(
      'manage integrations: hook URLs for Alertmanager, Grafana, generic JSON, GitHub, heartbeats, Slack (admin)',
    );

  integration
    .command('create')
    .description('create an integration and print its URL; the token (or GitHub secret) is shown once')
    .argument('<kind>', INTEGRATION_KINDS.join(', '))
    .option('-r, --room <room>', 'the room its alerts and messages go to (routes may send alerts elsewhere)')
    .option('-n, --name <name>', 'a name (heartbeats: the name in the URL)')
    .option('-i, --interval <duration>', 'heartbeats: alert when no beat arrives for this long, e.g. 5m')
    .addHelpText(
      'after',
      '\nExamples:\n  opsroom integration create alertmanager --room alerts\n' +
        '  opsroom integration create heartbeat --room ops --name nightly-backup --interval 25h\n' +
        '  opsroom integration create github --room deploys',
    )
    .action(async (kind: string, opts: { room?: string; name?: string; interval?: string }) => {
      const created = await ctx.withClient((client) =>
        client.createIntegration({
          kind: parseKind(kind) as IntegrationKind,
          ...(opts.room === undefined ? {} : { room: opts.room }),
          ...(opts.name === undefined ? {} : { name: opts.name }),
          ...(opts.interval === undefined ? {} : { intervalSeconds: intervalSeconds(opts.interval) }),
        }),
      );
      if (ctx.json) return ctx.out.json(created);
      const room = created.integration.roomName ? ` → #${created.integration.roomName}` : '';
      ctx.out.line(
        `Created ${created.integration.kind} integration ${created.integration.name} (${created.integration.id})${room}`,
      );
      if (created.secret !== undefined) {
        ctx.out.line('In GitHub: Settings → Webhooks → Add webhook, content type application/json, with:');
        ctx.out.line(`  Payload URL: ${created.url}`);
        ctx.out.line(`  Secret:      ${created.secret}`);
        ctx.out.line('The secret is shown once.');
        return;
      }
      ctx.out.line('Point the sender at this URL (it holds the token, shown once):');
      ctx.out.line(created.url);
    });

  integration
    .command('list')
    .description('list integrations, revoked ones included')
    .action(async () => {
      const list = await ctx.withClient((client) => client.listIntegrations());
      if (ctx.json) return ctx.out.json(list);
      if (list.length === 0)
        return ctx.out.line(
          'No integrations. Add one with `opsroom integration create <kind> --room <room>`.',
        );
      ctx.out.line(
        table(
          ['ID', 'KIND', 'NAME', 'ROOM', 'STATE', 'LAST USED', 'CREATED'],
          list.map((i) => [
            i.id,
            i.kind,
            i.name,
            i.roomName ? `#${i.roomName}` : '-',
            i.revokedAt ? 'revoked' : 'active',
            i.lastUsedAt ? dateTime(i.lastUsedAt) : '-',
            dateTime(i.createdAt),
          ]),
        ),
      );
    });

  integration
    .command('revoke')
    .description('revoke an integration: its URL stops working at once')
    .argument('<id>', 'the integration id (int_…)')
    .action(async (id: string) => {
      const revoked = await ctx.withClient((client) => client.revokeIntegration(id));
      if (ctx.json) return ctx.out.json(revoked);
      ctx.out.line(`Revoked ${revoked.kind} integration ${revoked.name} (${revoked.id})`);
    });
}
