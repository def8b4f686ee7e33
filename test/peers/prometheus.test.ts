// A Prometheus rule feeding Alertmanager feeding Opsroom: Debian's Prometheus evaluates
// `vector(1) > 0` every second (for: 0s) and re-sends the firing alert every 2 s
// (--rules.alert.resend-delay=2s); Alertmanager groups it and notifies Opsroom's webhook.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
import { Alertmanager } from './support/alertmanager.js';
import { looksResolved, OpsroomPeer } from './support/opsroom-peer.js';
import { Prometheus } from './support/prometheus.js';
import { WebhookSink } from './support/webhook-sink.js';

describe('Prometheus → Alertmanager → Opsroom', { timeout: 120_000 }, () => {
  let ops: OpsroomPeer;
  let sink: WebhookSink;
  let am: Alertmanager | undefined;
  let prometheus: Prometheus | undefined;

  before(async () => {
    ops = await OpsroomPeer.start();
    sink = await WebhookSink.start();
    am = await Alertmanager.start({
      receivers: [
        { name: 'opsroom', webhookUrl: await ops.hook('alertmanager', 'prom'), extraWebhookUrls: [sink.url] },
      ],
      groupBy: ['alertname'],
      groupWait: '1s',
      groupInterval: '1s',
      repeatInterval: '2s',
    });
    prometheus = await Prometheus.start({
      alertmanagers: [am.url],
      rules: [
        {
          alert: 'PeerPrometheusAlways',
          expr: 'vector(1) > 0',
          for: '0s',
          labels: { severity: 'warning', service: 'peer-test' },
          annotations: {
            summary: 'Always firing, from a Prometheus rule',
            runbook_url: 'https://runbooks.example/always',
          },
        },
      ],
    });
  });
  after(async () => {
    await prometheus?.stop();
    await am?.stop();
    await sink.close();
    await ops.dispose();
  });

  test('the rule fires and becomes one firing card, however often it is re-sent', async () => {
    const [card] = await eventually(async () => {
      const found = await ops.cards('prom', 'PeerPrometheusAlways');
      assert.equal(found.length, 1);
      return found;
    }, 60_000);
    assert.ok(!looksResolved(card!));
    assert.match(JSON.stringify(card!.card), /Always firing, from a Prometheus rule/);
    // Prometheus re-sends every 2 s and Alertmanager repeats every 2 s: several notifications, one card.
    await eventually(() => assert.ok((sink.byGroup.get('PeerPrometheusAlways') ?? 0) >= 3), 30_000);
    const after = await ops.cards('prom', 'PeerPrometheusAlways');
    assert.deepEqual(
      after.map((m) => m.id),
      [card!.id],
    );
  });
});
