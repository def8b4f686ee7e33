import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configSchema } from '../../config/schema.js';
import type { Actor } from '../../core/actor.js';
import { createPolicy } from './configured-policy.js';
import { compilePattern, patternsOverlap, templateAsPattern } from './permission-pattern.js';
import { BUILT_IN_POLICY } from './policy.js';

function actor(username: string, ...roles: string[]): Actor {
  return { userId: `u_${username}`, username, roles, channel: 'web' };
}

/** The policy from a YAML-shaped `policy:` section, through the real config schema. */
function policyOf(section: unknown) {
  return createPolicy(configSchema.parse({ policy: section }).policy);
}

describe('permission patterns', () => {
  test('`*` matches any run of characters; nothing else is special', () => {
    assert.equal(compilePattern('*')('anything:at:all'), true);
    assert.equal(compilePattern('deploy:*')('deploy:prod'), true);
    assert.equal(compilePattern('deploy:*')('deployer'), false);
    assert.equal(compilePattern('deploy:*:api')('deploy:prod:api'), true);
    assert.equal(compilePattern('deploy:*:api')('deploy:prod:web'), false);
    assert.equal(compilePattern('a.b')('axb'), false, 'a dot is a dot');
    assert.equal(compilePattern('ops:read')('ops:read'), true);
    assert.equal(compilePattern('ops:read')('ops:reads'), false);
  });

  test('overlap: could a pattern allow some value of a template', () => {
    assert.equal(templateAsPattern('deploy:{{env}}'), 'deploy:*');
    assert.equal(templateAsPattern('svc:{{a}}{{b}}:x'), 'svc:*:x');
    assert.equal(patternsOverlap('deploy:staging', 'deploy:*'), true);
    assert.equal(patternsOverlap('deploy:*', 'deploy:*'), true);
    assert.equal(patternsOverlap('alerts:*', 'deploy:*'), false);
    assert.equal(patternsOverlap('*x', '*y'), false);
    assert.equal(patternsOverlap('a*c', '*b*'), true);
    assert.equal(patternsOverlap('ops:read', 'deploy:*'), false);
  });
});

describe('the built-in roles', () => {
  const policy = createPolicy();
  const can = (who: Actor, permission: string) => policy.allows(who, { permission });

  test('admin may do anything; operators deploy; members read; viewers only use the bot', () => {
    assert.equal(can(actor('root', 'admin'), 'whatever:you:like'), true);
    assert.equal(can(actor('op', 'operator'), 'deploy:prod'), true);
    assert.equal(can(actor('resp', 'responder'), 'deploy:prod'), false);
    assert.equal(can(actor('resp', 'responder'), 'deploy:staging'), true);
    assert.equal(can(actor('m', 'member'), 'ops:read'), true);
    assert.equal(can(actor('m', 'member'), 'deploy:staging'), false);
    assert.equal(can(actor('v', 'viewer'), 'bot:use'), true);
    assert.equal(can(actor('v', 'viewer'), 'ops:read'), false);
    assert.deepEqual(policy.roleNames, ['admin', 'operator', 'responder', 'member', 'viewer']);
  });

  test('a role the policy does not know (removed from the file) grants nothing', () => {
    assert.equal(can(actor('x', 'deployer'), 'bot:use'), false);
    assert.equal(can(actor('x', 'deployer', 'viewer'), 'bot:use'), true);
  });

  test('BUILT_IN_POLICY is the same evaluator with nothing configured', () => {
    assert.equal(BUILT_IN_POLICY.allows(actor('m', 'member'), { permission: 'ops:read' }), true);
    assert.equal(BUILT_IN_POLICY.allows(actor('m', 'member'), { permission: 'deploy:prod' }), false);
  });
});

describe('custom roles', () => {
  const policy = policyOf({
    roles: {
      deployer: { permissions: ['deploy:staging'], inherits: ['member'] },
      'release-manager': { permissions: ['deploy:*'], inherits: ['deployer'] },
      auditor: { permissions: ['audit:read'] },
    },
  });

  test('a custom role has its own permissions and those of every role it inherits, at any depth', () => {
    const deployer = actor('d', 'deployer');
    assert.equal(policy.allows(deployer, { permission: 'deploy:staging' }), true);
    assert.equal(policy.allows(deployer, { permission: 'ops:read' }), true, 'from member');
    assert.equal(policy.allows(deployer, { permission: 'deploy:prod' }), false);
    const rm = actor('r', 'release-manager');
    assert.equal(policy.allows(rm, { permission: 'deploy:prod' }), true);
    assert.equal(policy.allows(rm, { permission: 'incident:declare' }), true, 'member, through deployer');
    assert.equal(policy.allows(actor('a', 'auditor'), { permission: 'bot:use' }), false, 'inherits nothing');
  });

  test('explain names the role held and the role the permission came from', () => {
    assert.deepEqual(policy.explain(actor('r', 'release-manager'), { permission: 'ops:read' }), {
      kind: 'role',
      role: 'release-manager',
      from: 'member',
      pattern: 'ops:read',
    });
    assert.equal(policy.explain(actor('a', 'auditor'), { permission: 'ops:read' }), undefined);
    assert.deepEqual(policy.roleNames.slice(5), ['deployer', 'release-manager', 'auditor']);
  });

  test('built in code, an unknown parent, a cycle or a built-in name is refused', () => {
    assert.throws(
      () => createPolicy({ roles: { a: { permissions: [], inherits: ['ghost'] } } }),
      /'a' inherits unknown role 'ghost'/,
    );
    assert.throws(
      () =>
        createPolicy({
          roles: { a: { permissions: [], inherits: ['b'] }, b: { permissions: [], inherits: ['a'] } },
        }),
      /cycle: a → b → a/,
    );
    assert.throws(() => createPolicy({ roles: { admin: { permissions: [], inherits: [] } } }), /built-in/);
    assert.throws(
      () => createPolicy({ grants: [{ role: 'ghost', permission: 'x' }] }),
      /grants\.0: unknown role 'ghost'/,
    );
  });
});

describe('scoped grants', () => {
  const policy = policyOf({
    roles: { deployer: { inherits: ['member'] } },
    grants: [
      {
        role: 'member',
        permission: 'deploy:*',
        commands: ['deploy'],
        args: { env: 'staging' },
        rooms: ['ops'],
      },
      { role: 'viewer', permission: 'alerts:silence', commands: ['silence'] },
      { role: 'responder', permission: 'deploy:prod', args: { app: ['web', 'api-*'] } },
      { role: 'viewer', permission: 'ops:scale', args: { replicas: 3, force: false } },
      { user: '@Carol', permission: 'deploy:prod', rooms: ['#Releases'] },
    ],
  });
  const member = actor('m', 'member');
  const staging = { permission: 'deploy:staging', command: 'deploy', args: { env: 'staging' }, room: 'ops' };

  test('a grant with every scope met allows; each scope that is not met refuses', () => {
    assert.equal(policy.allows(member, staging), true);
    assert.equal(policy.allows(member, { ...staging, command: 'rollback' }), false, 'another command');
    assert.equal(policy.allows(member, { ...staging, args: { env: 'prod' } }), false, 'another value');
    assert.equal(policy.allows(member, { ...staging, args: {} }), false, 'the argument missing');
    assert.equal(policy.allows(member, { ...staging, room: 'general' }), false, 'another room');
    assert.equal(policy.allows(member, { ...staging, permission: 'ops:write' }), false, 'another permission');
  });

  test('a run with no room (CLI, API) never meets a room scope', () => {
    const { room: _room, ...noRoom } = staging;
    assert.equal(policy.allows(member, noRoom), false);
    const carol = actor('carol', 'viewer');
    assert.equal(policy.allows(carol, { permission: 'deploy:prod', room: 'releases' }), true);
    assert.equal(policy.allows(carol, { permission: 'deploy:prod' }), false);
  });

  test('a grant scoped by command alone applies to that command in any room, and needs the command', () => {
    const viewer = actor('v', 'viewer');
    assert.equal(policy.allows(viewer, { permission: 'alerts:silence', command: 'silence' }), true);
    assert.equal(policy.allows(viewer, { permission: 'alerts:silence', command: 'ack' }), false);
    assert.equal(policy.allows(viewer, { permission: 'alerts:silence' }), false, 'no command given');
  });

  test('argument values: a list is any of them, `*` is a wildcard, numbers and booleans match as text', () => {
    const responder = actor('r', 'responder');
    const prod = (app: string) => policy.allows(responder, { permission: 'deploy:prod', args: { app } });
    assert.equal(prod('web'), true);
    assert.equal(prod('api-gateway'), true);
    assert.equal(prod('apigateway'), false);
    assert.equal(prod('Web'), false, 'values match exactly');
    const viewer = actor('v', 'viewer');
    const scale = (args: Record<string, unknown>) => policy.allows(viewer, { permission: 'ops:scale', args });
    assert.equal(scale({ replicas: 3, force: false }), true);
    assert.equal(scale({ replicas: 4, force: false }), false);
    assert.equal(scale({ replicas: 3 }), false, 'every listed argument must match');
  });

  test('a role has the grants of the roles it inherits; a user grant follows the user', () => {
    assert.equal(policy.allows(actor('d', 'deployer'), staging), true);
    assert.equal(
      policy.allows(actor('carol', 'member'), { permission: 'deploy:prod', room: 'releases' }),
      true,
    );
    assert.equal(
      policy.allows(actor('dave', 'member'), { permission: 'deploy:prod', room: 'releases' }),
      false,
    );
  });

  test('explain describes the grant that allowed it', () => {
    assert.deepEqual(policy.explain(member, staging), {
      kind: 'grant',
      description: 'member for deploy in #ops when env=staging',
      index: 0,
    });
    const carol = policy.explain(actor('carol', 'viewer'), { permission: 'deploy:prod', room: 'releases' });
    assert.equal(carol?.kind === 'grant' && carol.description, '@carol in #releases');
  });
});

describe('mayUse (help listings)', () => {
  const policy = policyOf({
    roles: { deployer: { permissions: ['deploy:staging'] } },
    grants: [
      { role: 'viewer', permission: 'alerts:*', commands: ['silence'] },
      { role: 'viewer', permission: 'incident:declare', rooms: ['ops'], args: { sev: '3' } },
    ],
  });
  const viewer = actor('v', 'viewer');

  test('true when a role permission or some grant could allow the command', () => {
    assert.equal(policy.mayUse(viewer, { command: 'silence', permission: 'alerts:silence' }), true);
    assert.equal(policy.mayUse(viewer, { command: 'ack', permission: 'alerts:ack' }), false, 'command scope');
    assert.equal(
      policy.mayUse(viewer, { command: 'declare', permission: 'incident:declare' }),
      true,
      'room and argument scopes may be met by some run',
    );
    assert.equal(policy.mayUse(viewer, { command: 'deploy', permission: 'deploy:prod' }), false);
    // Answers are remembered per role: by command and permission together, asked again the same.
    assert.equal(policy.mayUse(viewer, { command: 'ack', permission: 'alerts:silence' }), false);
    assert.equal(policy.mayUse(viewer, { command: 'silence', permission: 'alerts:silence' }), true);
  });

  test('a templated permission is usable when some value could be allowed; a computed one is decided at run time', () => {
    const deployer = actor('d', 'deployer');
    assert.equal(policy.mayUse(deployer, { command: 'rollback', permission: 'deploy:{{env}}' }), true);
    assert.equal(policy.mayUse(viewer, { command: 'rollback', permission: 'deploy:{{env}}' }), false);
    assert.equal(policy.mayUse(viewer, { command: 'silence', permission: 'alerts:{{kind}}' }), true);
    assert.equal(policy.mayUse(viewer, { command: 'deploy', permission: undefined }), true);
    assert.equal(
      policy.mayUse(actor('r', 'responder'), { command: 'x', permission: 'deploy:{{env}}' }),
      true,
    );
  });
});
