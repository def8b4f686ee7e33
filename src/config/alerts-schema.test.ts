import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkConfigFile, loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'opsroom-alerts-config-'));
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('alerts configuration', () => {
  test('absent or commented out: Alertmanager’s defaults', () => {
    const alerts = loadConfig({ file: file('empty.yaml', ['alerts:', '  # route:']), env: {} }).alerts;
    assert.equal(alerts.route.id, 'root');
    assert.deepEqual(alerts.inhibit_rules, []);
    assert.equal(alerts.flap.changes, 4);
  });

  test('reconcile: on by default; api_urls maps an external URL to where Opsroom asks, http(s) only', () => {
    const defaults = loadConfig({ file: file('reconcile-default.yaml', ['alerts: {}']), env: {} }).alerts;
    assert.deepEqual(defaults.reconcile, {
      enabled: true,
      interval: 60_000,
      min_uptime: 120_000,
      timeout: 5000,
      api_urls: {},
      auth: {},
    });
    const mapped = loadConfig({
      file: file('reconcile.yaml', [
        'alerts:',
        '  reconcile:',
        '    interval: 30s',
        '    api_urls: { "https://am.example.com/": "http://alertmanager:9093/" }',
      ]),
      env: {},
    }).alerts.reconcile;
    assert.equal(mapped.interval, 30_000);
    assert.deepEqual(mapped.api_urls, { 'https://am.example.com': 'http://alertmanager:9093' });
    const bad = checkConfigFile(
      file('reconcile-bad.yaml', [
        'alerts:',
        '  reconcile:',
        '    api_urls: { "https://am.example.com": "file:///etc" }',
      ]),
    );
    assert.ok(
      bad.some((p) => p.path.startsWith('alerts.reconcile.api_urls')),
      JSON.stringify(bad),
    );
  });

  test('reconcile.auth: a bearer token or basic auth per address asked, secrets by reference only', () => {
    const auth = loadConfig({
      file: file('reconcile-auth.yaml', [
        'alerts:',
        '  reconcile:',
        '    auth:',
        '      "http://alertmanager:9093/": { bearer_token: "{{ secret.AM_TOKEN }}" }',
        '      "https://am.example.com": { basic_auth: { username: opsroom, password: "{{ secret.AM_PASSWORD }}" } }',
      ]),
      env: {},
    }).alerts.reconcile.auth;
    assert.deepEqual(auth, {
      'http://alertmanager:9093': { bearer_token: '{{ secret.AM_TOKEN }}' },
      'https://am.example.com': { basic_auth: { username: 'opsroom', password: '{{ secret.AM_PASSWORD }}' } },
    });
    for (const [name, entry] of [
      ['plain-token', '{ bearer_token: "s3cr3t-in-the-file" }'],
      ['plain-password', '{ basic_auth: { username: opsroom, password: hunter2 } }'],
      ['both', '{ bearer_token: "{{ secret.A }}", basic_auth: { username: u, password: "{{ secret.B }}" } }'],
      ['colon', '{ basic_auth: { username: "a:b", password: "{{ secret.B }}" } }'],
    ] as const) {
      const problems = checkConfigFile(
        file(`reconcile-auth-${name}.yaml`, [
          'alerts:',
          '  reconcile:',
          '    auth:',
          `      "http://alertmanager:9093": ${entry}`,
        ]),
      );
      assert.ok(
        problems.some((p) => p.path.startsWith('alerts.reconcile.auth')),
        `${name}: ${JSON.stringify(problems)}`,
      );
      assert.ok(!JSON.stringify(problems).includes('hunter2'), 'a refused password is not echoed');
    }
  });

  test('an Alertmanager-style tree is read: durations, matchers, match/match_re, continue, nested routes', () => {
    const alerts = loadConfig({
      file: file('good.yaml', [
        'alerts:',
        '  route:',
        '    room: "#alerts"',
        '    group_by: [alertname, service]',
        '    group_wait: 10s',
        '    repeat_interval: 1h30m',
        '    routes:',
        '      - matchers: [\'severity="critical"\', \'service=~"checkout|cart"\']',
        '        room: oncall',
        '        continue: true',
        '        escalation_policy: primary',
        '      - match: { team: db }',
        '        match_re: { env: "prod|staging" }',
        '        routes: [{ matchers: [\'tier!="gold"\'], room: db-low }]',
        '  inhibit_rules:',
        '    - source_matchers: [\'severity="critical"\']',
        '      target_matchers: [\'severity="warning"\']',
        '      equal: [service]',
        '  heartbeats:',
        '    nightly-backup: { interval: 25h }',
      ]),
      env: {},
    }).alerts;
    assert.equal(alerts.route.room, 'alerts');
    assert.equal(alerts.route.group_wait, 10_000);
    assert.equal(alerts.route.repeat_interval, 5_400_000);
    const [oncall, db] = alerts.route.routes;
    assert.deepEqual(oncall!.matchers[1], { name: 'service', op: '=~', value: 'checkout|cart' });
    assert.equal(oncall!.continue, true);
    assert.equal(oncall!.id, 'root.0');
    assert.deepEqual(db!.matchers, [
      { name: 'team', op: '=', value: 'db' },
      { name: 'env', op: '=~', value: 'prod|staging' },
    ]);
    assert.equal(db!.routes[0]!.room, 'db-low');
    assert.equal(alerts.heartbeats['nightly-backup']!.interval, 25 * 3_600_000);
    assert.equal(alerts.heartbeats['nightly-backup']!.severity, 'critical');
  });

  test('config check names the path and line of a bad matcher, duration or rule', () => {
    const problems = checkConfigFile(
      file('bad.yaml', [
        'alerts:',
        '  route:',
        '    group_wait: soon',
        '    routes:',
        '      - matchers: [\'severity=~"("\']',
        '  inhibit_rules:',
        '    - equal: [service]',
      ]),
    );
    const byPath = new Map(problems.map((p) => [p.path, p]));
    assert.match(byPath.get('alerts.route.group_wait')?.message ?? '', /not a duration/);
    assert.equal(byPath.get('alerts.route.group_wait')?.line, 3);
    assert.match(byPath.get('alerts.route.routes.0.matchers.0')?.message ?? '', /not a valid regex/);
    assert.equal(byPath.get('alerts.route.routes.0.matchers.0')?.line, 5);
    assert.ok(
      problems.some(
        (p) => p.path.startsWith('alerts.inhibit_rules.0') && /source and target/.test(p.message),
      ),
    );
  });
});
