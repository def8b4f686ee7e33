/**
 * The chat grammar, compatible with hubot-deploy:
 *   deploy[:task][!] <app>[/<ref>] [to|in|on <env>[/<hosts>]]
 *   deploys <app> [in <env>] · where can I deploy <app> · locks · changes [since 1h] [app]
 *   lock <app> in <env> <reason> (also deploy:lock) · unlock <app> in <env> (also deploy:unlock)
 *   rollback <app> in <env> [to <deploy-id or ref>]
 * The usage patterns express all of it except what `!` means: the pattern accepts it, and the command
 * reads it from the line (`isForced`). `deploy:lock` reaches the lock command because deploy's `task`
 * refuses the words lock and unlock, so the parser tries the next command that starts with `deploy`.
 */
import type { Clock } from '../../core/clock.js';
import type { Command, CommandCheck, CommandRefusal } from '../bot/command.js';
import { defineCommand } from '../bot/command.js';
import { SUGGESTION_ACTION } from '../bot/natural-language-card.js';
import type { Card } from '../chat/schema.js';
import type { Apps } from './apps.js';
import { READ_PERMISSION } from './apps.js';
import { ago, describeLock, historyCard, historyLine, locksCard } from './cards.js';
import { type DeployJobDeps, runDeployJob } from './deploy-job.js';
import { isForced } from './refs.js';
import type { DeployPlan, DeployService } from './service.js';

export interface DeployCommandDeps extends DeployJobDeps {
  clock: Clock;
}

const GROUP = 'Deploys';
const DAY_MS = 86_400_000;
const TASK_PATTERN = /^(?!(?:lock|unlock)$)[a-z][a-z0-9_-]{0,39}$/;

const targetArgs = {
  app: {
    type: 'string',
    required: true,
    maxLength: 100,
    description: 'The app, as named under apps: in opsroom.yaml',
  },
  env: {
    type: 'string',
    maxLength: 100,
    description: 'The environment (the app’s default, if it names one)',
  },
} as const;

type TargetArgs = { app: string; env?: string };
type DeployArgs = TargetArgs & { task?: string; ref?: string; hosts?: string };

function planOf(
  apps: Apps,
  args: DeployArgs,
  line: string,
): { ok: true; plan: DeployPlan } | { ok: false; refusal: CommandRefusal } {
  const resolved = apps.resolve(args.app, args.env);
  if (!resolved.ok) {
    const card = resolved.choices ? choiceCard(resolved.text, args, resolved.choices) : undefined;
    return { ok: false, refusal: { outcome: 'usage', text: resolved.text, ...(card ? { card } : {}) } };
  }
  return {
    ok: true,
    plan: {
      target: resolved.target,
      task: args.task ?? 'deploy',
      ref: args.ref ?? resolved.target.settings.ref,
      hosts: args.hosts,
      forced: isForced(line),
    },
  };
}

const targetLocks = (apps: Apps) => (args: TargetArgs) => {
  const resolved = apps.resolve(args.app, args.env);
  return resolved.ok ? [`deploy:${resolved.target.app}:${resolved.target.environment}`] : [];
};
const targetRisk = (apps: Apps) => (args: TargetArgs) => {
  const resolved = apps.resolve(args.app, args.env);
  return resolved.ok && resolved.target.env.approval ? ('approval' as const) : ('none' as const);
};

export function deployCommands(service: DeployService, deps: DeployCommandDeps): Command[] {
  const { apps } = service;
  const permission = (args: TargetArgs) => apps.permissionFor(args.app, args.env);

  const deploy = defineCommand({
    name: 'deploy',
    summary: 'Deploy an app (or run a deploy task) to an environment',
    description:
      'Runs as a job with one live card; one deploy at a time per app and environment (a second waits in the queue and its card says so). ' +
      'A locked environment refuses deploys by anyone but the lock holder; a freeze refuses them unless forced with `deploy!` by someone with the force permission (audited). ' +
      'Environments with `approval: true` wait for another person to approve. With no environment, the app’s default is used, or the bot asks which one. The environment’s timeoutMinutes (default 30) stops a deploy that does not end.',
    group: GROUP,
    usage: [
      'deploy[:{{task}}][!] {{app}}[/{{ref}}] [to {{env}}[/{{hosts}}]]',
      'deploy[:{{task}}][!] {{app}}[/{{ref}}] in {{env}}[/{{hosts}}]',
      'deploy[:{{task}}][!] {{app}}[/{{ref}}] on {{env}}[/{{hosts}}]',
    ],
    args: {
      task: {
        type: 'string',
        pattern: TASK_PATTERN,
        description: 'A deploy task, e.g. migrate (default deploy)',
      },
      app: targetArgs.app,
      ref: {
        type: 'string',
        maxLength: 200,
        description: 'Branch, tag or SHA (default: the environment’s ref, else main)',
      },
      env: targetArgs.env,
      hosts: {
        type: 'string',
        maxLength: 500,
        description: 'Comma-separated hosts, for providers that use them',
      },
    },
    permission,
    risk: targetRisk(apps),
    locks: targetLocks(apps),
    timeoutMs: DAY_MS,
    examples: [
      'deploy api to staging',
      'deploy api/feature-x to staging',
      'deploy:migrate! api/main to production/web-1,web-2',
    ],
    async check(run: CommandCheck<DeployArgs>) {
      const planned = planOf(apps, run.args, run.line);
      if (!planned.ok) return planned.refusal;
      return await service.refusal(planned.plan, run.actor, run.roomName);
    },
    async run(ctx) {
      const planned = planOf(apps, ctx.args, ctx.line);
      if (!planned.ok) return { ok: false, text: planned.refusal.text };
      const { app, environment } = planned.plan.target;
      return await service.track(
        service.exclusive(`${app}:${environment}`, () => runDeployJob(deps, planned.plan, ctx as never)),
      );
    },
  });

  const rollback = defineCommand({
    name: 'rollback',
    summary: 'Redeploy the previous successful ref of an app in an environment, or a named deploy or ref',
    description: 'A rollback is a deploy (a job, locked, approved like one); it is allowed during a freeze.',
    group: GROUP,
    usage: ['rollback {{app}} in {{env}} [to {{to}}]'],
    args: {
      app: targetArgs.app,
      env: { ...targetArgs.env, required: true, description: 'The environment' },
      to: {
        type: 'string',
        maxLength: 200,
        description: 'A deploy id (#12) or a ref; default the previous successful deploy',
      },
    },
    permission,
    risk: targetRisk(apps),
    locks: targetLocks(apps),
    timeoutMs: DAY_MS,
    examples: [
      'rollback api in production',
      'rollback api in production to #12',
      'rollback api in staging to v1.2.3',
    ],
    async check(run) {
      const resolved = apps.resolve(run.args.app, run.args.env);
      if (!resolved.ok) return { outcome: 'usage', text: resolved.text };
      const back = await service.rollbackTarget(resolved.target, run.args.to);
      if (!back.ok) return { outcome: 'usage', text: back.text };
      return await service.refusal(
        {
          target: resolved.target,
          task: 'deploy',
          ref: back.ref,
          hosts: undefined,
          forced: false,
          rollbackOf: back.from?.id ?? 0,
        },
        run.actor,
        run.roomName,
      );
    },
    async run(ctx) {
      const resolved = apps.resolve(ctx.args.app, ctx.args.env);
      if (!resolved.ok) return { ok: false, text: resolved.text };
      const back = await service.rollbackTarget(resolved.target, ctx.args.to);
      if (!back.ok) return { ok: false, text: back.text };
      ctx.progress(`Rolling back ${resolved.target.app} in ${resolved.target.environment} to ${back.text}\n`);
      const plan: DeployPlan = {
        target: resolved.target,
        task: 'deploy',
        ref: back.ref,
        hosts: undefined,
        forced: false,
        rollbackOf: back.from?.id ?? 0,
      };
      return await service.track(
        service.exclusive(`${plan.target.app}:${plan.target.environment}`, () =>
          runDeployJob(deps, plan, ctx as never),
        ),
      );
    },
  });

  const lockUsage = (word: string) => [
    `${word} {{app}} in {{env}} {{reason}}`,
    `deploy[:]${word} {{app}} in {{env}} {{reason}}`,
  ];
  const lock = defineCommand({
    name: 'lock',
    summary: 'Lock an environment of an app: deploys by anyone else are refused, with your reason',
    group: GROUP,
    usage: lockUsage('lock'),
    args: {
      app: targetArgs.app,
      env: { ...targetArgs.env, required: true, description: 'The environment' },
      reason: {
        type: 'string',
        required: true,
        rest: true,
        maxLength: 300,
        description: 'Why (shown to whoever tries to deploy)',
      },
    },
    permission,
    instant: true,
    examples: [
      'lock api in production "db migration running"',
      'deploy:lock api in production investigating',
    ],
    check: (run) => usageUnlessResolved(apps, run.args),
    async run({ args, actor }) {
      const resolved = apps.resolve(args.app, args.env);
      if (!resolved.ok) return resolved.text;
      const view = await service.lock(actor, resolved.target, args.reason);
      return `🔒 Locked \`${view.app}\` in ${view.environment}: “${view.reason}”. \`unlock ${view.app} in ${view.environment}\` when done.`;
    },
  });

  const unlock = defineCommand({
    name: 'unlock',
    summary: 'Remove the lock on an environment of an app',
    group: GROUP,
    usage: ['unlock {{app}} in {{env}}', 'deploy[:]unlock {{app}} in {{env}}'],
    args: { app: targetArgs.app, env: { ...targetArgs.env, required: true, description: 'The environment' } },
    permission,
    instant: true,
    examples: ['unlock api in production', 'deploy:unlock api in production'],
    check: (run) => usageUnlessResolved(apps, run.args),
    async run({ args, actor }) {
      const resolved = apps.resolve(args.app, args.env);
      if (!resolved.ok) return resolved.text;
      const view = await service.unlock(actor, resolved.target);
      const whose = view.lockedBy === actor.username ? '' : ` (it was @${view.lockedBy}'s: “${view.reason}”)`;
      return `🔓 Unlocked \`${view.app}\` in ${view.environment}${whose}.`;
    },
  });

  const locks = defineCommand({
    name: 'locks',
    summary: 'List locked environments: who, why, since when',
    group: GROUP,
    usage: ['locks'],
    permission: READ_PERMISSION,
    instant: true,
    async run() {
      const list = await service.locks();
      const card = locksCard(list, deps.clock.nowMs());
      // The card holds the list (and Unlock buttons); the text only sums it up, so nothing shows twice.
      return { text: list.length === 0 ? 'Nothing is locked.' : `${list.length} locked:`, card };
    },
  });

  const deploys = defineCommand({
    name: 'deploys',
    summary: 'Recent deploys of an app (in one environment, or all)',
    group: GROUP,
    usage: ['deploys {{app}} [in {{env}}]'],
    args: targetArgs,
    permission: READ_PERMISSION,
    instant: true,
    examples: ['deploys api', 'deploys api in production'],
    check: (run) =>
      run.args.env === undefined ? usageUnlessApp(apps, run.args.app) : usageUnlessResolved(apps, run.args),
    async run({ args }) {
      const app = args.app.toLowerCase();
      const env = args.env?.toLowerCase();
      const history = await service.history(app, env, 10);
      const card = historyCard(`Deploys of ${app}${env ? ` in ${env}` : ''}`, history, deps.clock.nowMs());
      return { text: `${history.length === 0 ? 'No' : `The last ${history.length}`} deploys:`, card };
    },
  });

  const where = defineCommand({
    name: 'where',
    summary: 'Where can I deploy an app: its environments, what each needs, locks and freezes',
    group: GROUP,
    usage: ['where can i deploy {{app}}'],
    args: { app: targetArgs.app },
    permission: READ_PERMISSION,
    instant: true,
    examples: ['where can I deploy api'],
    check: (run) => usageUnlessApp(apps, run.args.app),
    async run({ args }) {
      const app = args.app.toLowerCase();
      const lines = [`\`${app}\` (${apps.get(app)!.provider}) can be deployed to:`];
      for (const env of apps.environments(app)) {
        const resolved = apps.resolve(app, env);
        if (!resolved.ok) continue;
        const t = resolved.target;
        const notes = [`needs \`${t.permission}\``];
        if (t.env.approval) notes.push('and approval by someone else');
        if (t.env.rooms) notes.push(`only from ${t.env.rooms.map((r) => `#${r}`).join(', ')}`);
        notes.push(`default ref ${t.settings.ref}`);
        if (service.frozen(t)) notes.push('**frozen now**');
        const lockRow = await service.store.lock(app, env);
        if (lockRow) notes.push(describeLock({ ...lockRow }, deps.clock.nowMs()));
        const mine = apps.get(app)!.defaultEnvironment === env ? ' (default)' : '';
        lines.push(`• **${env}**${mine}: ${notes.join(', ')}`);
      }
      if (apps.get(app)!.defaultEnvironment === undefined)
        lines.push(`There is no default: name the environment (\`deploy ${app} to <environment>\`).`);
      return lines.join('\n');
    },
  });

  const changes = defineCommand({
    name: 'changes',
    summary: 'What was deployed recently (all apps, or one): for "what changed?"',
    group: GROUP,
    usage: ['changes [since {{since}}] [{{app}}]'],
    args: {
      since: {
        type: 'duration',
        default: 3_600_000,
        min: 60_000,
        max: 30 * DAY_MS,
        description: 'How far back (default 1h)',
      },
      app: { type: 'string', maxLength: 100, description: 'Only this app' },
    },
    permission: READ_PERMISSION,
    instant: true,
    examples: ['changes', 'changes since 6h', 'changes since 1d api'],
    check: (run) => (run.args.app === undefined ? undefined : usageUnlessApp(apps, run.args.app)),
    async run({ args }) {
      const nowMs = deps.clock.nowMs();
      const list = await service.changes(nowMs - args.since, args.app?.toLowerCase());
      if (list.length === 0)
        return `No deploys${args.app ? ` of \`${args.app}\`` : ''} since ${ago(new Date(nowMs - args.since).toISOString(), nowMs)}.`;
      return list
        .map((d) => {
          const commits =
            d.commits.length > 0
              ? `\n    ${d.commits
                  .slice(0, 5)
                  .map((c) => `${c.sha.slice(0, 7)} ${c.message}`)
                  .join('\n    ')}${d.commits.length > 5 ? `\n    … ${d.commits.length - 5} more` : ''}`
              : '';
          return historyLine(d, nowMs) + commits;
        })
        .join('\n');
    },
  });

  return [deploy, rollback, lock, unlock, locks, deploys, where, changes] as unknown as Command[];
}

/** "Which environment?" as buttons: each runs the line with that environment, as whoever presses it. */
function choiceCard(question: string, args: DeployArgs, envs: string[]): Card {
  const task = args.task ? `:${args.task}` : '';
  const ref = args.ref ? `/${args.ref}` : '';
  return {
    title: question.split(' — ')[0] ?? question,
    buttons: envs.slice(0, 10).map((env) => ({
      actionId: SUGGESTION_ACTION,
      label: env,
      value: `deploy${task} ${args.app}${ref} to ${env}${args.hosts ? `/${args.hosts}` : ''}`,
    })),
  };
}

function usageUnlessApp(apps: Apps, app: string): CommandRefusal | undefined {
  const found = apps.app(app);
  return found.ok ? undefined : { outcome: 'usage', text: found.text };
}

function usageUnlessResolved(apps: Apps, args: TargetArgs): CommandRefusal | undefined {
  const resolved = apps.resolve(args.app, args.env);
  return resolved.ok ? undefined : { outcome: 'usage', text: resolved.text };
}
