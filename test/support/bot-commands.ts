/** Commands shared by the bot engine's tests: a realistic set, defined the way plugins define them. */
import { defineCommand } from '../../src/domains/bot/command.js';
import { CommandRegistry } from '../../src/domains/bot/registry.js';

export const NOW = Date.parse('2026-03-10T12:00:00.000Z');

export const deploy = defineCommand({
  name: 'deploy',
  aliases: ['ship'],
  summary: 'Deploy an app to an environment',
  group: 'Deploys',
  usage: ['deploy {{app}}[/{{ref=main}}] to {{env=staging}}'],
  args: {
    app: { type: 'string', required: true, description: 'App to deploy' },
    ref: { type: 'string', description: 'Branch, tag or SHA' },
    env: { type: 'enum', values: ['staging', 'prod'], default: 'staging' },
  },
  permission: (args) => `deploy:${args.env}`,
  risk: 'confirm',
  timeoutMs: 15 * 60_000,
  locks: ['deploy:{{app}}:{{env}}'],
  examples: ['deploy api', 'deploy api/feature-x to prod'],
  run: ({ args }) => `deployed ${args.app} to ${args.env}`,
});

export const rollback = defineCommand({
  name: 'rollback',
  summary: 'Roll an app back to its previous release',
  group: 'Deploys',
  usage: ['rollback {{app}} in {{env}}'],
  args: {
    app: { type: 'string', required: true },
    env: { type: 'enum', values: ['staging', 'prod'], required: true },
  },
  permission: 'deploy:{{env}}',
  risk: 'approval',
  examples: ['rollback checkout in prod'],
  run: () => undefined,
});

export const silence = defineCommand({
  name: 'silence',
  summary: 'Silence alerts matching a label',
  group: 'Alerts',
  usage: ['silence {{matcher}} for {{duration=1h}} [because {{reason}}]'],
  args: {
    matcher: { type: 'string', required: true },
    duration: { type: 'duration', min: 60_000, max: 7 * 86_400_000 },
    reason: { type: 'string', rest: true },
  },
  permission: 'alerts:silence',
  allowExtra: true,
  examples: ['silence DiskFull for 2h because "disk swap in progress"', 'silence DiskFull'],
  run: () => undefined,
});

export const page = defineCommand({
  name: 'page',
  summary: 'Page a person with a message',
  group: 'On-call',
  usage: ['page {{who}} {{message}}'],
  args: {
    who: { type: 'user', required: true },
    message: { type: 'string', rest: true, required: true },
  },
  permission: 'oncall:page',
  examples: ['page @alice checkout is down'],
  run: () => undefined,
});

export const whoIsOnCall = defineCommand({
  name: 'oncall',
  summary: 'Who is on call',
  group: 'On-call',
  usage: ['who is on call [for {{service}}] [at {{at}}]', 'oncall [{{service}}]'],
  args: { service: { type: 'string' }, at: { type: 'time' } },
  permission: 'oncall:read',
  examples: ['who is on call for checkout', 'oncall checkout'],
  run: () => undefined,
});

export const whoCan = defineCommand({
  name: 'who-can',
  summary: 'Who may run a command line',
  usage: ['who can {{line}}'],
  args: { line: { type: 'string', rest: true, required: true } },
  permission: 'bot:use',
  examples: ['who can deploy api to prod'],
  run: () => undefined,
});

export const scale = defineCommand({
  name: 'scale',
  summary: 'Scale a service',
  usage: ['scale {{service}} to {{replicas}}'],
  args: {
    service: { type: 'string', required: true, pattern: /^[a-z][a-z0-9-]*$/ },
    replicas: { type: 'integer', required: true, min: 0, max: 50 },
    force: { type: 'boolean', default: false },
    room: { type: 'room' },
    ratio: { type: 'number' },
  },
  permission: 'deploy:scale',
  examples: ['scale api to 3', 'scale api to 0 force=yes'],
  run: () => undefined,
});

export const ping = defineCommand({
  name: 'ping',
  summary: 'Check the bot is alive',
  permission: 'bot:use',
  run: () => 'pong',
});

export const ALL = [deploy, rollback, silence, page, whoIsOnCall, whoCan, scale, ping];

export function registryWithAll(): CommandRegistry {
  const registry = new CommandRegistry();
  for (const command of ALL) registry.register(command);
  return registry;
}
