// Prometheus rules feeding Alertmanager feeding Opsroom: Debian's Prometheus evaluates
// `vector(1) > 0` every second (for: 0s) and re-sends the firing alert every 2 s
// (--rules.alert.resend-delay=2s); Alertmanager groups it and notifies Opsroom's webhook. A second
// rule watches a gauge this test serves for Prometheus to scrape (one series per disk), so the test
// decides when each alert fires and when the rule stops firing and Prometheus resolves it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  let exporter: Server;
  /** The gauge Prometheus scrapes: percent used per disk; the rule fires above 90. */
  const used = new Map<string, number>([
    ['sda', 95],
    ['sdb', 97],
  ]);

  before(async () => {
    exporter = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end([...used].map(([disk, value]) => `peer_disk_used_percent{disk="${disk}"} ${value}\n`).join(''));
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const exporterAt = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
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
      scrape: [exporterAt],
      rules: [
        {
          alert: 'PeerDiskAlmostFull',
          expr: 'peer_disk_used_percent > 90',
          for: '0s',
          labels: { severity: 'critical' },
          annotations: { summary: 'Disk {{ $labels.disk }} is {{ $value }}% full' },
        },
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
    await new Promise((resolve) => exporter.close(resolve));
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

  test('a rule that stops firing: Prometheus resolves each series, and the one card follows it to resolved', async () => {
    const [card] = await eventually(async () => {
      const found = await ops.cards('prom', 'PeerDiskAlmostFull');
      assert.equal(found.length, 1);
      const text = JSON.stringify(found[0]!.card);
      assert.match(text, /Alerts \(2 firing, 0 resolved\)/);
      // Each disk's line, with the summary Prometheus filled in for it.
      assert.match(text, /disk=sda — Disk sda is 95% full/);
      assert.match(text, /disk=sdb — Disk sdb is 97% full/);
      return found;
    }, 60_000);
    assert.ok(!looksResolved(card!));

    // One disk recovers: Prometheus sends that alert with an end time; the group still fires.
    used.set('sda', 40);
    await eventually(async () => {
      const [now] = await ops.cards('prom', 'PeerDiskAlmostFull');
      assert.ok(!looksResolved(now!), 'one disk still full');
      assert.match(JSON.stringify(now!.card), /Alerts \(1 firing, 1 resolved\)/);
    }, 60_000);

    // The other too: the rule stops firing altogether and the card turns resolved, in place.
    used.set('sdb', 10);
    await eventually(async () => {
      const found = await ops.cards('prom', 'PeerDiskAlmostFull');
      assert.deepEqual(
        found.map((m) => m.id),
        [card!.id],
        'still the one card',
      );
      assert.ok(looksResolved(found[0]!), JSON.stringify(found[0]!.card).slice(0, 300));
    }, 60_000);
  });
});
