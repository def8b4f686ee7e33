import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { alertsConfigSchema } from '../../config/alerts-schema.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { parseAlertmanager, parseGrafana } from './parse-payloads.js';
import { AlertRouter } from './routing.js';

const config = (input: unknown) => alertsConfigSchema.parse(input);

/** An Alertmanager webhook body for one group it made, as 0.25 sends it. */
function amBody(groupLabels: Record<string, string>, alerts: Record<string, string>[]): string {
  return JSON.stringify({
    receiver: 'opsroom',
    status: 'firing',
    alerts: alerts.map((labels) => ({
      status: 'firing',
      labels,
      annotations: { summary: `${labels.alertname} in ${labels.cluster}` },
      startsAt: '2026-12-07T09:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example/graph',
    })),
    groupLabels,
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example',
    version: '4',
    groupKey: `{}:${JSON.stringify(groupLabels)}`,
    truncatedAlerts: 0,
  });
}

describe("a sender's own groups", () => {
  it("are read from Alertmanager's and Grafana's groupLabels", () => {
    const body = JSON.parse(amBody({ alertname: 'A', cluster: 'eu1' }, [{ alertname: 'A', cluster: 'eu1' }]));
    assert.deepEqual(parseAlertmanager(body).groupBy, ['alertname', 'cluster']);
    assert.deepEqual(parseAlertmanager({ ...body, groupLabels: {} }).groupBy, []);
    assert.equal(parseAlertmanager({ ...body, groupLabels: undefined }).groupBy, undefined);
    assert.throws(
      () => parseAlertmanager({ ...body, groupLabels: { a: 1 } }),
      /groupLabels\.a: must be a string/,
    );
    assert.deepEqual(parseGrafana({ ...body, version: '1' }).groupBy, ['alertname', 'cluster']);
  });

  it('replace the default grouping, never a group_by a route sets', () => {
    const router = new AlertRouter(
      config({
        route: { routes: [{ matchers: ['team="db"'], group_by: ['service'] }, { matchers: ['team="web"'] }] },
      }).route,
    );
    const web = router.route({ alertname: 'A', team: 'web', cluster: 'eu1' }, ['cluster', 'alertname']);
    assert.deepEqual(web[0]!.groupBy, ['alertname', 'cluster'], 'the default, inherited: the sender decides');
    assert.equal(
      router.route({ alertname: 'B', team: 'web' }, ['alertname', 'cluster'])[0],
      web[0],
      'one settings object per set of names (group keys are cached by it)',
    );
    assert.deepEqual(router.route({ alertname: 'A', team: 'db' }, ['cluster'])[0]!.groupBy, ['service']);
    assert.deepEqual(
      router.route({ alertname: 'A', team: 'web' })[0]!.groupBy,
      ['alertname'],
      'no sender grouping',
    );
    const explicit = new AlertRouter(config({ route: { group_by: ['alertname'] } }).route);
    assert.deepEqual(explicit.route({ alertname: 'A' }, ['cluster'])[0]!.groupBy, ['alertname']);
  });
});

for (const explicit of [false, true]) {
  describe(`Alertmanager groups by cluster and alertname; Opsroom ${explicit ? 'groups by alertname itself' : 'has no group_by (a fresh install)'}`, () => {
    let t: TestApp;
    let token: string;
    const post = (body: string) =>
      t.request({
        method: 'POST',
        url: `/hooks/alertmanager/${token}`,
        payload: body,
        headers: { 'content-type': 'application/json' },
      });

    before(async () => {
      t = await startTestApp('sqlite', {
        config: {
          alerts: { route: { group_wait: '0s', ...(explicit ? { group_by: ['alertname'] } : {}) } },
        },
      });
      await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
      const created = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'alertmanager', room: 'alerts' });
      assert.ok(created.token);
      token = created.token;
    });
    after(() => t.dispose());

    it(
      explicit ? 'one card for the alert name' : 'one card per group Alertmanager notifies about',
      async () => {
        for (const cluster of ['eu1', 'us1']) {
          const res = await post(
            amBody({ alertname: 'HighLatency', cluster }, [{ alertname: 'HighLatency', cluster, pod: 'p1' }]),
          );
          assert.equal(res.statusCode, 200, res.body);
        }
        // Alertmanager's group_by [] (everything in one group): two alert names in one body.
        const res = await post(
          amBody({}, [
            { alertname: 'DiskFull', cluster: 'eu1' },
            { alertname: 'ErrorRate', cluster: 'eu1' },
          ]),
        );
        assert.equal(res.statusCode, 200, res.body);
        await t.app.alerts.idle();
        const titles = (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 50 }))
          .filter((m) => m.card !== null)
          .map((m) => m.card!.title.replace(/^\S+ #\d+ /, ''))
          .sort();
        assert.deepEqual(
          titles,
          explicit
            ? ['DiskFull · 1 firing', 'ErrorRate · 1 firing', 'HighLatency · 2 firing']
            : [
                'DiskFull, ErrorRate · 2 firing',
                'HighLatency (cluster=eu1) · 1 firing',
                'HighLatency (cluster=us1) · 1 firing',
              ],
        );
      },
    );
  });
}
