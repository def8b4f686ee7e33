import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsConfigSchema } from '../../config/alerts-schema.js';
import { packDelivery, SettingsCache, unpackDelivery } from './delivery-wire.js';
import { prepareAlerts } from './ingest-prepare.js';
import { routeAlerts } from './routed-delivery.js';
import { AlertRouter, groupKeyOf, groupLabelsOf } from './routing.js';

// A delivery crosses from the parse thread to the ingest thread packed into arrays of strings: what
// arrives must be what was sent, field for field, with the routing that was decided before it left.
const router = new AlertRouter(
  alertsConfigSchema.parse({
    route: {
      room: 'alerts',
      group_by: ['alertname'],
      routes: [
        {
          matchers: ['severity="critical"'],
          room: 'oncall',
          continue: true,
          group_by: ['alertname', 'team'],
        },
        { matchers: ['team="db"'], room: 'db', group_by: ['...'] },
      ],
    },
  }).route,
);
const now = Date.UTC(2026, 11, 7, 12, 0, 0);

function delivery() {
  return prepareAlerts(
    [
      {
        labels: { alertname: 'Disk', instance: 'a', team: 'web' },
        status: 'firing',
        startsAt: '2026-12-07T11:00:00Z',
      },
      {
        labels: { alertname: 'Disk', instance: 'b', team: 'web' },
        status: 'firing',
        startsAt: '2026-12-07T11:00:00Z',
      },
      {
        labels: { alertname: 'Disk', instance: 'c', team: 'db', severity: 'critical' },
        annotations: { summary: 'full', runbook_url: 'https://r.example/disk' },
        status: 'resolved',
        startsAt: '2026-12-07T10:00:00Z',
        endsAt: '2026-12-07T11:30:00Z',
        generatorUrl: 'http://prometheus.example/graph?g0.expr=up',
      },
      { labels: { alertname: 'Load', instance: 'a' }, status: 'firing' },
      // Beyond ASCII: two- and three-byte UTF-8 and a pair of surrogates, in labels and annotations.
      {
        labels: { alertname: 'Dísk🔥', instance: 'ü-1' },
        annotations: { summary: '磁盘 full', description: '' },
        status: 'firing',
        startsAt: '2026-12-07T11:00:00Z',
      },
    ],
    { maxAlerts: 100, maxLabels: 64 },
    now,
    ['alertname'],
  );
}

describe('delivery wire (parse thread → ingest thread)', () => {
  it('arrives field for field as sent, labels included (parsed only when read)', () => {
    const prepared = delivery();
    const packed = structuredClone(packDelivery(prepared, routeAlerts(router, prepared)));
    const { prepared: received } = unpackDelivery(packed, new SettingsCache());
    assert.equal(received.length, prepared.length);
    for (const [i, p] of prepared.entries()) {
      const r = received[i]!;
      for (const field of [
        'labelsJson',
        'annotationsJson',
        'fingerprint',
        'alertname',
        'severity',
        'status',
        'startsAt',
        'endsAt',
        'generatorUrl',
      ] as const)
        assert.equal(r[field], p[field], `${i}.${field}`);
      assert.deepEqual(r.labels, p.labels);
      assert.equal(r.senderGroupBy, undefined, 'routing was done before: the sender’s grouping is spent');
    }
    assert.equal(received[3]!.startsAt, undefined, 'no start: the ingest thread stamps its own');
    assert.equal(received[3]!.endsAt, null);
    assert.equal(received[3]!.generatorUrl, null);
    assert.deepEqual(received[4]!.labels, { alertname: 'Dísk🔥', instance: 'ü-1' });
    assert.equal(received[4]!.alertname, 'Dísk🔥');
  });

  it('keeps the routing: each alert’s groups with the key, labels and settings routing gave', () => {
    const prepared = delivery();
    const routes = routeAlerts(router, prepared);
    const { routes: received } = unpackDelivery(
      structuredClone(packDelivery(prepared, routes)),
      new SettingsCache(),
    );
    for (const [i, p] of prepared.entries()) {
      const expected = router.route(p.labels, p.senderGroupBy);
      assert.deepEqual(
        received[i]!.map((g) => ({
          key: groupKeyOf(g.settings, JSON.parse(g.labelsJson), 'R'),
          settings: JSON.stringify(g.settings),
        })),
        expected.map((s) => ({
          key: groupKeyOf(s, groupLabelsOf(s, p.labels), 'R'),
          settings: JSON.stringify(s),
        })),
      );
      for (const [r, g] of received[i]!.entries()) {
        assert.equal(
          `${g.keyPrefix}@R`,
          groupKeyOf(expected[r]!, groupLabelsOf(expected[r]!, p.labels), 'R'),
        );
        assert.equal(g.alertname, p.labels.alertname);
      }
    }
    // The critical db alert takes two routes (continue): the on-call group and the db group.
    assert.deepEqual(
      received[2]!.map((g) => g.settings.room),
      ['oncall', 'db'],
    );
    // Alerts of one group share one group object and one list, as they did before they left.
    assert.equal(received[0], received[1]);
    assert.notEqual(received[0]![0], received[3]![0]);
  });

  it('the same settings arrive as the same object, delivery after delivery', () => {
    const cache = new SettingsCache();
    const send = () => {
      const prepared = delivery();
      return unpackDelivery(structuredClone(packDelivery(prepared, routeAlerts(router, prepared))), cache)
        .routes;
    };
    const first = send();
    const second = send();
    assert.equal(first[0]![0]!.settings, second[0]![0]!.settings);
    assert.equal(first[2]![1]!.settings, second[2]![1]!.settings);
    assert.notEqual(first[2]![0]!.settings, first[2]![1]!.settings);
  });
});
