// Debian's Alertmanager 0.25 receivers and pairs, each pointed at a real Opsroom as installed: Slack
// receivers with custom templates and with group_by [], HA pairs re-sending a changed summary or
// stamping their own starts, and the hook's token in a header (http_config authorization and
// basic_auth). Every test checks the cards in the rooms: one per group, updated in place, with the
// current truth. Routing, grouping and resolves Alertmanager never sends: alertmanager-configs.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
import type { AlertmanagerConfigSpec, PeerAlert } from './support/alertmanager.js';
import {
  amConfigSuite,
  assertCard,
  field,
  firing,
  instances,
  oneCard,
  resolvedOf,
  WAIT_MS,
} from './support/am-config-suite.js';

describe('Alertmanager 0.25 receivers and HA pairs → Opsroom', { timeout: 150_000 }, () => {
  const peers = amConfigSuite();

  test('a Slack receiver with custom title, text, color and fields: one card per group, in place', async () => {
    const slack = {
      title: '{{ .CommonLabels.alertname }} is {{ .Status | toUpper }}',
      text: '{{ range .Alerts }}• {{ .Annotations.summary }} on {{ .Labels.instance }}\n{{ end }}',
      color: '{{ if eq .Status "firing" }}#d63232{{ else }}#2eb886{{ end }}',
      fields: [
        { title: 'Firing', value: '{{ .Alerts.Firing | len }}', short: true },
        { title: 'Service', value: '{{ .CommonLabels.service }}', short: true },
      ],
    };
    const am = await peers.start({
      receivers: [
        { name: 'custom', slackUrl: await peers.ops.hook('slack', 'cfg-slack'), slack },
        {
          // Its own username and title link too: nothing of Alertmanager's defaults is left.
          name: 'own-name',
          slackUrl: await peers.ops.hook('slack', 'cfg-slack-own'),
          slack: { ...slack, username: 'PromBot', title_link: 'https://grafana.example/d/disk' },
        },
      ],
      groupBy: ['alertname', 'service'],
      routes: [{ receiver: 'custom', continue: true }, { receiver: 'own-name' }],
    });
    const alerts = firing('CfgSlackCustom', [
      { service: 'storage', instance: 's-1:9100' },
      { service: 'storage', instance: 's-2:9100' },
    ]);
    alerts[1]!.annotations = { summary: 'disk 97% full' };
    await am.post(alerts);
    const ids = new Map<string, string>();
    for (const room of ['cfg-slack', 'cfg-slack-own']) {
      await eventually(async () => {
        const card = await oneCard(peers.ops, room, 'CfgSlackCustom');
        const seen = JSON.stringify(card.card);
        assert.equal(card.card!.title, 'CfgSlackCustom is FIRING', seen);
        assert.equal(card.card!.color, '#d63232', seen);
        assert.match(card.card!.text ?? '', /CfgSlackCustom fires on s-1:9100/, seen);
        assert.match(card.card!.text ?? '', /disk 97% full on s-2:9100/, seen);
        assert.deepEqual(
          card.card!.fields?.map((f) => [f.title, f.value]),
          [
            ['Firing', '2'],
            ['Service', 'storage'],
          ],
          seen,
        );
        ids.set(room, card.id);
      }, WAIT_MS);
    }
    // Resends (repeat_interval 2 s) update the same card.
    await new Promise((r) => setTimeout(r, 4500));
    for (const room of ['cfg-slack', 'cfg-slack-own']) await oneCard(peers.ops, room, 'CfgSlackCustom');
    await am.post(resolvedOf(alerts));
    for (const room of ['cfg-slack', 'cfg-slack-own']) {
      await eventually(async () => {
        const card = await oneCard(peers.ops, room, 'CfgSlackCustom');
        const seen = JSON.stringify(card.card);
        assert.equal(card.id, ids.get(room), `${room}: updated in place`);
        assert.equal(card.card!.title, 'CfgSlackCustom is RESOLVED', seen);
        assert.equal(card.card!.color, '#2eb886', seen);
        assert.deepEqual(card.card!.fields?.[0], { title: 'Firing', value: '0', short: true }, seen);
      }, WAIT_MS);
    }
  });

  test('a Slack receiver with group_by []: one card while alerts join and the common labels change', async () => {
    const am = await peers.start({
      receivers: [{ name: 'slack', slackUrl: await peers.ops.hook('slack', 'cfg-slack-whole') }],
      groupBy: [],
    });
    // Every card in the room: the test is whether there is more than one.
    const slackCards = () => peers.ops.cards('cfg-slack-whole', '');
    const first = firing('CfgWholeA', instances('w-1:9100', 'w-2:9100'));
    await am.post(first);
    const card = await eventually(async () => {
      const found = await slackCards();
      assert.deepEqual(
        found.map((m) => m.card?.title),
        ['[FIRING:2] (CfgWholeA node critical)'],
      );
      return found[0]!;
    }, WAIT_MS);
    // Another alertname joins: fewer labels in common, the same group and card.
    const second = firing('CfgWholeB', [{ instance: 'w-1:9100', severity: 'warning' }]);
    await am.post(second);
    await eventually(async () => {
      const found = await slackCards();
      assert.deepEqual(
        found.map((m) => [m.id, m.card?.title]),
        [[card.id, '[FIRING:3] (node)']],
      );
    }, WAIT_MS);
    await am.post(resolvedOf([...first, ...second]));
    await eventually(async () => {
      const found = await slackCards();
      assert.deepEqual(
        found.map((m) => [m.id, m.card?.title, m.card?.color]),
        [[card.id, '[RESOLVED] (node)', 'good']],
      );
    }, WAIT_MS);
  });

  test('an HA pair re-sends a changed summary: the card shows the current one and keeps it', async () => {
    const spec: AlertmanagerConfigSpec = {
      receivers: [{ name: 'opsroom', webhookUrl: await peers.ops.hook('alertmanager', 'cfg-annotations') }],
    };
    const pair = [await peers.start(spec), await peers.start(spec)];
    const v1 = firing('CfgAnnotation', instances('an-1:9100'), 'disk 80% full');
    await Promise.all(pair.map((am) => am.post(v1)));
    const card = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-annotations', 'CfgAnnotation');
      assertCard(found, { firing: 1 });
      assert.equal(found.card!.text, 'disk 80% full');
      return found;
    }, WAIT_MS);
    // Prometheus re-sends the same alert (same labels and start) with the new value in its summary.
    const v2 = v1.map((a) => ({ ...a, annotations: { summary: 'disk 95% full' } }));
    await Promise.all(pair.map((am) => am.post(v2)));
    await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-annotations', 'CfgAnnotation');
      assert.equal(found.id, card.id);
      assert.equal(found.card!.text, 'disk 95% full');
      assertCard(found, { firing: 1 });
    }, WAIT_MS);
    // Further resends from both peers leave it at the current summary.
    await new Promise((r) => setTimeout(r, 4500));
    const still = await oneCard(peers.ops, 'cfg-annotations', 'CfgAnnotation');
    assert.equal(still.card!.text, 'disk 95% full');
    await Promise.all(pair.map((am) => am.post(resolvedOf(v2))));
    await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-annotations', 'CfgAnnotation');
      assert.equal(found.id, card.id);
      assertCard(found, 'resolved');
      assert.equal(found.card!.text, 'disk 95% full');
    }, WAIT_MS);
  });

  test('the token in a header, not the URL: http_config.authorization (Bearer) and basic_auth', async () => {
    const split = (url: string) => {
      const at = url.lastIndexOf('/');
      return { base: url.slice(0, at), token: url.slice(at + 1) };
    };
    const bearer = split(await peers.ops.hook('alertmanager', 'cfg-bearer'));
    const basic = split(await peers.ops.hook('alertmanager', 'cfg-basic'));
    const am = await peers.start({
      receivers: [
        {
          name: 'bearer',
          webhookUrl: bearer.base,
          webhookHttpConfig: { authorization: { type: 'Bearer', credentials: bearer.token } },
        },
        {
          name: 'basic',
          webhookUrl: basic.base,
          webhookHttpConfig: { basic_auth: { username: 'alertmanager', password: basic.token } },
        },
      ],
      routes: [{ matchers: ['team="basic"'], receiver: 'basic' }],
    });
    await am.post([
      ...firing('CfgBearer', instances('hb-1:9100', 'hb-2:9100')),
      ...firing('CfgBasic', [{ instance: 'hb-3:9100', team: 'basic' }]),
    ]);
    await eventually(async () => {
      assertCard(await oneCard(peers.ops, 'cfg-bearer', 'CfgBearer'), { firing: 2 });
      assertCard(await oneCard(peers.ops, 'cfg-basic', 'CfgBasic'), { firing: 1 });
    }, WAIT_MS);
  });

  test('an HA pair fed by a client that sends no start (amtool, curl): one alert on one card', async () => {
    const spec: AlertmanagerConfigSpec = {
      receivers: [{ name: 'opsroom', webhookUrl: await peers.ops.hook('alertmanager', 'cfg-ha-nostart') }],
    };
    const pair = [await peers.start(spec), await peers.start(spec)];
    // Each Alertmanager stamps its own startsAt: the same alert reaches Opsroom with two starts.
    const alert: PeerAlert = {
      labels: { alertname: 'CfgNoStart', instance: 'ns-1:9100', severity: 'critical' },
      annotations: { summary: 'posted without a start' },
    };
    for (const am of pair) {
      await am.post([alert]);
      await new Promise((r) => setTimeout(r, 20));
    }
    const card = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-ha-nostart', 'CfgNoStart');
      assertCard(found, { firing: 1 });
      return found;
    }, WAIT_MS);
    // Both have sent, and re-sent (repeat_interval 2 s), by now: still one alert.
    await new Promise((r) => setTimeout(r, 4500));
    assertCard(await oneCard(peers.ops, 'cfg-ha-nostart', 'CfgNoStart'), { firing: 1 });
    const ended = { ...alert, endsAt: new Date(Date.now() - 1000).toISOString() };
    await Promise.all(pair.map((am) => am.post([ended])));
    await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-ha-nostart', 'CfgNoStart');
      assert.equal(found.id, card.id);
      assertCard(found, 'resolved');
      assert.equal(field(found, /^Alerts/)?.split(':')[0], 'Alerts (0 firing, 1 resolved)');
    }, WAIT_MS);
  });
});
