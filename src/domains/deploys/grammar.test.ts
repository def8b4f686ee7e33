/** The hubot-deploy grammar, parsed by the bot's own parser from the commands' usage patterns. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appsConfigSchema } from '../../config/apps-schema.js';
import { FakeClock } from '../../core/clock.js';
import { type ParsedCommand, parseCommandLine } from '../bot/parser.js';
import { CommandRegistry } from '../bot/registry.js';
import { Apps } from './apps.js';
import { deployCommands } from './commands.js';
import { isForced, refProblem } from './refs.js';
import { DeployService } from './service.js';

const apps = new Apps(
  appsConfigSchema.parse({
    api: {
      provider: 'shell',
      script: '/bin/true',
      environments: { staging: {}, production: { approval: true, permission: 'deploy:prod' } },
    },
  }),
);
// Parsing needs only the definitions: nothing here reaches the database.
const service = new DeployService({
  db: undefined as never,
  clock: new FakeClock(),
  bus: undefined as never,
  apps,
  policy: undefined as never,
  audit: () => {},
});
const registry = new CommandRegistry();
for (const command of deployCommands(service, {
  service,
  clock: new FakeClock(),
  providers: {},
  approvedBy: async () => null,
  roomNameOf: async () => undefined,
  onError: () => {},
})) {
  registry.register(command);
}
const parse = (line: string) => {
  const parsed = parseCommandLine(line, registry);
  assert.equal(parsed.kind, 'ok', JSON.stringify(parsed));
  return parsed as ParsedCommand;
};

test('deploy[:task][!] app[/ref] [to|in|on env[/hosts]]', () => {
  assert.deepEqual(parse('deploy api').args, { app: 'api' });
  assert.deepEqual(parse('deploy api/feature/login-fix to staging').args, {
    app: 'api',
    ref: 'feature/login-fix',
    env: 'staging',
  });
  assert.deepEqual(parse('deploy:migrate! api/v1.2 in production/web-1,web-2').args, {
    task: 'migrate',
    app: 'api',
    ref: 'v1.2',
    env: 'production',
    hosts: 'web-1,web-2',
  });
  assert.deepEqual(parse('deploy! api on staging').args, { app: 'api', env: 'staging' });
  assert.equal(isForced('deploy! api on staging'), true);
  assert.equal(isForced('deploy:migrate! api'), true);
  assert.equal(isForced('deploy api to staging'), false);
});

test('the environment decides the permission, the approval and the lock', () => {
  const deploy = registry.get('deploy')!;
  const prod = parse('deploy api to production').args;
  assert.equal(deploy.permissionFor(prod), 'deploy:prod');
  assert.equal(deploy.riskFor(prod), 'approval');
  assert.deepEqual(deploy.locksFor(prod), ['deploy:api:production']);
  const staging = parse('deploy api/x to staging').args;
  assert.equal(deploy.permissionFor(staging), 'deploy:staging');
  assert.equal(deploy.riskFor(staging), 'none');
  // No environment and no default: the read permission, so the check can ask which one.
  assert.equal(deploy.permissionFor(parse('deploy api').args), 'bot:use');
});

test('deploy:lock and deploy:unlock reach lock and unlock; the others parse', () => {
  const lock = parse('deploy:lock api in production "db migration"');
  assert.equal(lock.command.name, 'lock');
  assert.deepEqual(lock.args, { app: 'api', env: 'production', reason: 'db migration' });
  assert.deepEqual(parse('lock api in staging waiting for the DBA').args, {
    app: 'api',
    env: 'staging',
    reason: 'waiting for the DBA',
  });
  assert.equal(parse('deploy:unlock api in production').command.name, 'unlock');
  assert.equal(parse('where can I deploy api').command.name, 'where');
  assert.deepEqual(parse('rollback api in production to #12').args, {
    app: 'api',
    env: 'production',
    to: '#12',
  });
  assert.deepEqual(parse('deploys api in staging').args, { app: 'api', env: 'staging' });
  assert.deepEqual(parse('changes since 6h api').args, { since: 6 * 3_600_000, app: 'api' });
  assert.equal(parse('locks').command.name, 'locks');
});

test('refs follow git rules and refuse shell metacharacters', () => {
  for (const good of ['main', 'v1.2.3', 'feature/login-fix', 'a'.repeat(40), 'release-2026_12'])
    assert.equal(refProblem(good), undefined, good);
  for (const bad of [
    'main; rm -rf /',
    '$(id)',
    '`id`',
    'a|b',
    '-rf',
    'a..b',
    'x.lock',
    'a//b',
    '.hidden',
    'a b',
    'a\\b',
  ]) {
    assert.ok(refProblem(bad), bad);
  }
});
