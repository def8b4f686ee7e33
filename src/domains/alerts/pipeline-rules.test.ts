import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsConfigSchema } from '../../config/alerts-schema.js';
import { FakeClock } from '../../core/clock.js';
import { FlapDetector } from './flap-detector.js';
import { Inhibitor } from './inhibition.js';
import { compileAll, matchesAll, parseMatchers } from './matchers.js';
import { NotifyRateLimiter } from './notify-rate-limit.js';
import { AlertRouter, groupKeyOf, groupLabelsOf } from './routing.js';

const config = (input: unknown) => alertsConfigSchema.parse(input);

describe('matchers (silences, routes, inhibit rules)', () => {
  it('reads =, !=, =~ and !~ with quoted and bare values, braces and commas', () => {
    assert.deepEqual(parseMatchers('{alertname="Disk full", env!=dev,service=~"a|b" team!~"x.*"}'), [
      { name: 'alertname', op: '=', value: 'Disk full' },
      { name: 'env', op: '!=', value: 'dev' },
      { name: 'service', op: '=~', value: 'a|b' },
      { name: 'team', op: '!~', value: 'x.*' },
    ]);
    assert.throws(() => parseMatchers('alertname'), /cannot read a matcher/);
  });

  it('anchors regexes and treats a missing label as empty, like Alertmanager', () => {
    const m = compileAll(parseMatchers('service=~"check"'));
    assert.equal(matchesAll(m, { service: 'checkout' }), false);
    assert.equal(matchesAll(compileAll(parseMatchers('service=~"check.*"')), { service: 'checkout' }), true);
    assert.equal(matchesAll(compileAll(parseMatchers('env=""')), { other: 'x' }), true);
    assert.equal(matchesAll(compileAll(parseMatchers('env!="prod"')), {}), true);
    assert.throws(() => compileAll(parseMatchers('a=~"("')), /not a valid regex/);
  });
});

describe('routing tree', () => {
  const router = new AlertRouter(
    config({
      route: {
        room: 'alerts',
        group_by: ['alertname'],
        group_wait: '30s',
        routes: [
          {
            matchers: ['severity="critical"'],
            room: 'oncall',
            continue: true,
            group_wait: '5s',
            escalation_policy: 'primary',
          },
          { matchers: ['team=~"db|storage"'], room: 'db', group_by: ['alertname', 'cluster'] },
          { match: { team: 'web' }, room: 'web', routes: [{ matchers: ['env!="prod"'], room: 'web-dev' }] },
        ],
      },
    }).route,
  );

  it('goes to the first matching child, and further only with continue', () => {
    const routes = router.route({ alertname: 'X', severity: 'critical', team: 'db' });
    assert.deepEqual(
      routes.map((r) => r.room),
      ['oncall', 'db'],
    );
    assert.equal(routes[0]!.groupWaitMs, 5000);
    assert.equal(routes[0]!.escalationPolicy, 'primary');
    assert.equal(routes[1]!.groupWaitMs, 30_000, 'inherited from the root');
  });

  it('falls back to the parent when no child matches, and nests', () => {
    assert.deepEqual(
      router.route({ alertname: 'X', team: 'ops' }).map((r) => r.routeId),
      ['root'],
    );
    assert.deepEqual(
      router.route({ alertname: 'X', team: 'web', env: 'dev' }).map((r) => r.room),
      ['web-dev'],
    );
    assert.deepEqual(
      router.route({ alertname: 'X', team: 'web', env: 'prod' }).map((r) => r.room),
      ['web'],
    );
  });

  it('groups by the route’s labels, with Alertmanager’s group key', () => {
    const [db] = router.route({ alertname: 'Lag', team: 'db', cluster: 'c1', instance: 'i1' });
    const labels = groupLabelsOf(db!, { alertname: 'Lag', team: 'db', cluster: 'c1', instance: 'i1' });
    assert.deepEqual(labels, { alertname: 'Lag', cluster: 'c1' });
    assert.equal(
      groupKeyOf(db!, labels, 'room1'),
      '{}/{team=~"db|storage"}:{alertname="Lag", cluster="c1"}@room1',
    );
    const root = new AlertRouter(config({}).route).route({ alertname: 'A', x: '1' })[0]!;
    assert.equal(
      groupKeyOf(root, groupLabelsOf(root, { alertname: 'A', x: '1' }), 'r'),
      '{}:{alertname="A"}@r',
    );
  });

  it('is checked by the config schema with a path', () => {
    const result = alertsConfigSchema.safeParse({ route: { routes: [{ matchers: ['severity=~"("'] }] } });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /not a valid regex/);
    assert.equal(alertsConfigSchema.safeParse({ route: { group_wait: 'soon' } }).success, false);
  });
});

describe('inhibition', () => {
  const rules = config({
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['service'],
      },
    ],
  }).inhibit_rules;

  it('mutes targets with the same equal labels while the source fires', () => {
    const inhibitor = new Inhibitor(rules);
    const warning = { alertname: 'HighErrorRate', severity: 'warning', service: 'checkout' };
    assert.equal(inhibitor.inhibited(2, warning), false);
    inhibitor.track(1, { alertname: 'HighErrorRate', severity: 'critical', service: 'checkout' }, true);
    assert.equal(inhibitor.inhibited(2, warning), true);
    assert.equal(inhibitor.inhibited(3, { ...warning, service: 'cart' }), false, 'different service');
    inhibitor.track(1, { alertname: 'HighErrorRate', severity: 'critical', service: 'checkout' }, false);
    assert.equal(inhibitor.inhibited(2, warning), false, 'the source resolved');
  });

  it('never lets an alert inhibit itself', () => {
    const both = new Inhibitor(
      config({ inhibit_rules: [{ source_matchers: ['a="1"'], target_matchers: ['a="1"'], equal: [] }] })
        .inhibit_rules,
    );
    both.track(1, { a: '1' }, true);
    assert.equal(both.inhibited(1, { a: '1' }), false);
    both.track(2, { a: '1' }, true);
    assert.equal(
      both.inhibited(1, { a: '1' }),
      false,
      'two alerts matching both sides do not mute each other',
    );
  });
});

describe('flap detection and rate limits (FakeClock)', () => {
  it('N changes within the window mark a key as flapping; it calms down after the window', () => {
    const clock = new FakeClock();
    const flap = new FlapDetector(clock, { changes: 4, windowMs: 600_000 });
    assert.equal(flap.record('fp'), false);
    clock.advance(60_000);
    assert.equal(flap.record('fp'), false);
    clock.advance(60_000);
    assert.equal(flap.record('fp'), false);
    clock.advance(60_000);
    assert.equal(flap.record('fp'), true);
    assert.equal(flap.isFlapping('other'), false);
    clock.advance(600_000);
    assert.equal(flap.isFlapping('fp'), false);
  });

  it('a key’s first change, kept as one time, counts like any other: in the window, out of it, after a sweep', () => {
    const clock = new FakeClock();
    const two = new FlapDetector(clock, { changes: 2, windowMs: 600_000 });
    assert.equal(two.record('a'), false);
    assert.equal(two.isFlapping('a'), false);
    clock.advance(599_000);
    assert.equal(two.record('a'), true, 'the second change inside the window');
    assert.equal(two.isFlapping('a'), true);
    assert.equal(two.record('b'), false);
    clock.advance(600_000);
    // b's only change left the window: its next one is a first change again, not a second.
    assert.equal(two.record('b'), false);
    assert.equal(two.isFlapping('a'), false);
    clock.advance(1_300_000);
    // The sweep dropped both; they start over.
    assert.equal(two.record('a'), false);
    assert.equal(two.record('a'), true);
    const one = new FlapDetector(clock, { changes: 1, windowMs: 1000 });
    assert.equal(one.record('c'), true, 'with changes: 1 the first change is flapping');
    clock.advance(2000);
    assert.equal(one.record('c'), true);
  });

  it('the notification rate limit says how long to wait instead of dropping', () => {
    const clock = new FakeClock();
    const limiter = new NotifyRateLimiter(clock, { perMinute: 60, burst: 2 });
    assert.equal(limiter.take('int'), 0);
    assert.equal(limiter.take('int'), 0);
    const wait = limiter.take('int');
    assert.ok(wait > 0 && wait <= 1000, String(wait));
    assert.equal(limiter.take('other'), 0, 'per integration');
    clock.advance(wait);
    assert.equal(limiter.take('int'), 0);
    assert.equal(new NotifyRateLimiter(clock, { perMinute: 0, burst: 1 }).take('x'), 0, '0 turns it off');
  });
});
