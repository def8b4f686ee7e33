// Debian's Alertmanager 0.25 pointed at Opsroom: `webhook_configs` → /hooks/alertmanager/:token and
// `slack_configs` (api_url) → /hooks/slack/:token, from one receiver. Alerts are pushed through
// Alertmanager's API v2, firing then resolved (endsAt in the past). repeat_interval is 2 s, so every
// group is re-sent several times while it fires; a counting sink beside Opsroom shows the resends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
import { Alertmanager, type AlertmanagerConfigSpec, type PeerAlert } from './support/alertmanager.js';
import { looksResolved, OpsroomPeer } from './support/opsroom-peer.js';
import { WebhookSink } from './support/webhook-sink.js';

const WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alerts(
  alertname: string,
  instances: string[],
  resolved = false,
  extra: Record<string, string> = {},
): PeerAlert[] {
  const now = Date.now();
  return instances.map((instance) => ({
    labels: { alertname, instance, job: 'node', severity: 'critical', ...extra },
    annotations: { summary: `${alertname} on ${instance}`, runbook_url: 'https://runbooks.example/disk' },
    startsAt: new Date(now - 60_000).toISOString(),
    ...(resolved ? { endsAt: new Date(now - 1000).toISOString() } : {}),
  }));
}

describe('Alertmanager 0.25 → Opsroom', { timeout: 120_000 }, () => {
  let ops: OpsroomPeer;
  let sink: WebhookSink;
  let config: AlertmanagerConfigSpec;
  const managers: Alertmanager[] = [];

  before(async () => {
    ops = await OpsroomPeer.start();
    sink = await WebhookSink.start();
    config = {
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await ops.hook('alertmanager', 'am-alerts'),
          slackUrl: await ops.hook('slack', 'am-slack'),
          extraWebhookUrls: [sink.url],
        },
      ],
      groupBy: ['alertname', 'service'],
      groupWait: '1s',
      groupInterval: '1s',
      repeatInterval: '2s',
      // As in the fixtures: a critical alert inhibits the warnings of the same service.
      inhibitRules: [
        {
          source_matchers: ['severity="critical"'],
          target_matchers: ['severity="warning"'],
          equal: ['service'],
        },
      ],
    };
    managers.push(await Alertmanager.start(config));
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.stop()));
    await sink.close();
    await ops.dispose();
  });

  test('firing then resolved: one card per group in each room, updated in place; resends add none', async () => {
    const am = managers[0]!;
    await am.post(alerts('PeerDiskFull', ['db-1:9100', 'db-2:9100']));
    const [card] = await eventually(async () => {
      const found = await ops.cards('am-alerts', 'PeerDiskFull');
      assert.equal(found.length, 1);
      return found;
    }, WAIT_MS);
    assert.ok(!looksResolved(card!), 'the card says firing');
    await eventually(async () => {
      const slack = await ops.cards('am-slack', 'PeerDiskFull');
      assert.deepEqual(
        slack.map((m) => m.card?.title),
        ['[FIRING:2] PeerDiskFull (node critical)'],
      );
    }, WAIT_MS);

    // Alertmanager re-sends the firing group every repeat_interval (2 s): at least two resends.
    await eventually(
      () =>
        assert.ok(
          (sink.byGroup.get('PeerDiskFull') ?? 0) >= 3,
          `sink saw ${sink.byGroup.get('PeerDiskFull')}`,
        ),
      WAIT_MS,
    );
    assert.equal((await ops.cards('am-alerts', 'PeerDiskFull')).length, 1, 'resends make no new card');
    assert.equal((await ops.cards('am-slack', 'PeerDiskFull')).length, 1, 'resends make no new Slack card');

    await am.post(alerts('PeerDiskFull', ['db-1:9100', 'db-2:9100'], true));
    await eventually(async () => {
      const found = await ops.cards('am-alerts', 'PeerDiskFull');
      assert.equal(found.length, 1);
      assert.equal(found[0]!.id, card!.id, 'the same card, updated in place');
      assert.ok(looksResolved(found[0]!), `resolved: ${JSON.stringify(found[0]!.card)}`);
    }, WAIT_MS);
    await eventually(async () => {
      const slack = await ops.cards('am-slack', 'PeerDiskFull');
      assert.deepEqual(
        slack.map((m) => [m.card?.title, m.card?.color]),
        [['[RESOLVED] PeerDiskFull (node critical)', 'good']],
      );
    }, WAIT_MS);
  });

  test('an alert Alertmanager inhibited shows up only in the resolve: still one card, resolved', async () => {
    const am = managers[0]!;
    const both = (resolved: boolean) => [
      ...alerts('PeerInhibit', ['10.0.0.1:8080'], resolved, { service: 'checkout' }),
      ...alerts('PeerInhibit', ['10.0.0.2:8080'], resolved, { service: 'checkout', severity: 'warning' }),
    ];
    await am.post(both(false));
    await eventually(async () => {
      assert.equal((await ops.cards('am-alerts', 'PeerInhibit')).length, 1);
      const slack = await ops.cards('am-slack', 'PeerInhibit');
      assert.deepEqual(
        slack.map((m) => m.card?.title),
        ['[FIRING:1] PeerInhibit checkout (10.0.0.1:8080 node critical)'],
      );
    }, WAIT_MS);
    await am.post(both(true));
    await eventually(async () => {
      const found = await ops.cards('am-alerts', 'PeerInhibit');
      assert.equal(found.length, 1);
      assert.ok(looksResolved(found[0]!), `resolved: ${JSON.stringify(found[0]!.card)}`);
      // The resolve lists both alerts, so fewer labels are common: the title changes, the card does not.
      const slack = await ops.cards('am-slack', 'PeerInhibit');
      assert.deepEqual(
        slack.map((m) => m.card?.title),
        ['[RESOLVED] PeerInhibit checkout (node)'],
      );
    }, WAIT_MS);
  });

  test('an HA pair (two Alertmanagers, same config, not clustered) makes one card', async () => {
    managers.push(await Alertmanager.start(config));
    const [one, two] = managers as [Alertmanager, Alertmanager];
    const firing = alerts('PeerHaPair', ['web-1:9100']);
    await Promise.all([one.post(firing), two.post(firing)]);
    await eventually(async () => {
      assert.equal((await ops.cards('am-alerts', 'PeerHaPair')).length, 1);
      assert.equal((await ops.cards('am-slack', 'PeerHaPair')).length, 1);
    }, WAIT_MS);
    // Both have notified, and re-sent, by now: still one card each.
    await eventually(
      () =>
        assert.ok((sink.byGroup.get('PeerHaPair') ?? 0) >= 4, `sink saw ${sink.byGroup.get('PeerHaPair')}`),
      WAIT_MS,
    );
    await sleep(1000);
    assert.equal((await ops.cards('am-alerts', 'PeerHaPair')).length, 1);
    assert.equal((await ops.cards('am-slack', 'PeerHaPair')).length, 1);

    const resolved = alerts('PeerHaPair', ['web-1:9100'], true);
    await Promise.all([one.post(resolved), two.post(resolved)]);
    await eventually(async () => {
      const found = await ops.cards('am-alerts', 'PeerHaPair');
      assert.equal(found.length, 1);
      assert.ok(looksResolved(found[0]!), `resolved: ${JSON.stringify(found[0]!.card)}`);
      const slack = await ops.cards('am-slack', 'PeerHaPair');
      assert.deepEqual(
        slack.map((m) => m.card?.title),
        ['[RESOLVED] PeerHaPair (web-1:9100 node critical)'],
      );
    }, WAIT_MS);
  });

  test("Alertmanager's groups are Opsroom's cards: one alert name in two services, two cards", async () => {
    // Alertmanager groups by alertname and service here; Opsroom, as installed, sets no group_by.
    await managers[0]!.post([
      ...alerts('PeerTwoServices', ['10.0.1.1:8080'], false, { service: 'cart' }),
      ...alerts('PeerTwoServices', ['10.0.1.2:8080', '10.0.1.3:8080'], false, { service: 'search' }),
    ]);
    await eventually(async () => {
      const titles = (await ops.cards('am-alerts', 'PeerTwoServices'))
        .map((m) => m.card?.title.replace(/^🔥 #\d+ /, ''))
        .sort();
      assert.deepEqual(titles, [
        'PeerTwoServices (service=cart) · 1 firing',
        'PeerTwoServices (service=search) · 2 firing',
      ]);
    }, WAIT_MS);
  });
});
