import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkConfigFile, loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'opsroom-policy-config-'));
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('policy configuration', () => {
  test('no policy section, or one with everything commented out, means the built-in roles only', () => {
    assert.deepEqual(loadConfig({ env: {} }).policy, { roles: {}, grants: [] });
    const commented = file('empty.yaml', ['policy:', '  # roles:', '  #   deployer: {}']);
    assert.deepEqual(loadConfig({ file: commented, env: {} }).policy, { roles: {}, grants: [] });
  });

  test('roles and grants are read and normalised: one value becomes a list, # and @ are dropped', () => {
    const path = file('good.yaml', [
      'policy:',
      '  roles:',
      "    deployer: { permissions: ['deploy:staging', 'ops:read'], inherits: [member] }",
      '  grants:',
      '    - role: deployer',
      "      permission: 'deploy:*'",
      '      commands: [deploy]',
      '      args: { env: staging, replicas: 3, app: [api, "web-*"] }',
      "      rooms: ['#Ops']",
      '    - user: "@alice"',
      '      permission: alerts:silence',
    ]);
    const { policy } = loadConfig({ file: path, env: {} });
    assert.deepEqual(policy.roles.deployer, {
      permissions: ['deploy:staging', 'ops:read'],
      inherits: ['member'],
    });
    assert.deepEqual(policy.grants[0], {
      role: 'deployer',
      permission: 'deploy:*',
      commands: ['deploy'],
      args: { env: ['staging'], replicas: ['3'], app: ['api', 'web-*'] },
      rooms: ['ops'],
    });
    assert.deepEqual(policy.grants[1], { user: 'alice', permission: 'alerts:silence' });
  });

  test('unknown roles, cycles and built-in names are named with their YAML lines', () => {
    const path = file('refs.yaml', [
      'policy:',
      '  roles:',
      '    deployer:',
      '      inherits: [member, ghost]',
      '    a: { inherits: [b] }',
      '    b: { inherits: [a] }',
      '    admin: { permissions: [x] }',
      '  grants:',
      '    - role: nobody',
      '      permission: ops:read',
    ]);
    const problems = checkConfigFile(path);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    assert.equal(byPath['policy.roles.deployer.inherits.1']?.line, 4);
    assert.match(
      byPath['policy.roles.deployer.inherits.1']!.message,
      /unknown role 'ghost'; roles are admin, operator, responder, member, viewer, deployer, a, b$/,
    );
    assert.match(byPath['policy.roles.a.inherits']!.message, /roles inherit in a cycle: a → b → a/);
    assert.equal(byPath['policy.roles.a.inherits']?.line, 5);
    assert.match(byPath['policy.roles.admin']!.message, /'admin' is a built-in role/);
    assert.equal(byPath['policy.grants.0.role']?.line, 9);
    assert.match(byPath['policy.grants.0.role']!.message, /unknown role 'nobody'/);
    assert.equal(problems.length, 4);
  });

  test('malformed names, patterns and grants are refused with what is expected', () => {
    const path = file('shapes.yaml', [
      'policy:',
      '  roles:',
      '    Deploy Team: { permissions: [x] }',
      '    ok: { permissions: ["Deploy prod"], colour: blue }',
      '  grants:',
      '    - { role: member, user: bob, permission: ops:read }',
      '    - { permission: ops:read }',
      '    - { role: member, permission: "deploy:**", commands: [Deploy!], args: { env: [] }, rooms: [] }',
    ]);
    const problems = checkConfigFile(path);
    const messages = problems.map((p) => `${p.path}@${p.line}: ${p.message}`);
    const has = (re: RegExp) =>
      assert.ok(
        messages.some((m) => re.test(m)),
        `${re} in\n${messages.join('\n')}`,
      );
    has(/^policy\.roles\.Deploy Team@3: a role name is a-z/);
    has(/^policy\.roles\.ok\.permissions\.0@4: a permission is lower-case words joined by ':'/);
    has(/^policy\.roles\.ok\.colour@4: unknown setting 'colour'/);
    has(/^policy\.grants\.0@6: a grant names exactly one of role or user/);
    has(/^policy\.grants\.1@7: a grant names exactly one of role or user/);
    has(/^policy\.grants\.2\.commands\.0@8: a command name is lower-case/);
    has(/^policy\.grants\.2\.args\.env@8: /);
    has(/^policy\.grants\.2\.rooms@8: /);
    assert.ok(!messages.some((m) => m.includes('deploy:**')), '`**` is an unusual but valid pattern');
  });
});
