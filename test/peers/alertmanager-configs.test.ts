// Debian's Alertmanager 0.25 with configurations the first peer test does not try, each pointed at a
// real Opsroom as installed (no group_by of its own, so Alertmanager's groups are kept; group_wait 0):
// group_by ['...'] and [], a routing tree with `continue`, send_resolved false, an externalURL this
// machine cannot resolve, an alert resolved while inhibited or silenced, and max_alerts. Every test
// checks the cards in the rooms: one per group, updated in place, with the current truth. The resolves
// Alertmanager never sends (an alert ended while inhibited; send_resolved: false) Opsroom learns by
// asking its API (reconcile.ts). Slack receivers, HA pairs and header tokens: alertmanager-receivers.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
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
import { looksResolved } from './support/opsroom-peer.js';

describe('Alertmanager 0.25 configurations → Opsroom', { timeout: 150_000 }, () => {
  const peers = amConfigSuite();

  test("group_by ['...'] and group_by []: with no group_by of its own, Opsroom keeps Alertmanager's groups", async () => {
    const perAlert = await peers.start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await peers.ops.hook('alertmanager', 'cfg-by-all'),
          extraWebhookUrls: [peers.sink.url],
        },
      ],
      groupBy: ['...'],
    });
    const oneGroup = await peers.start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await peers.ops.hook('alertmanager', 'cfg-by-none'),
          extraWebhookUrls: [peers.sink.url],
        },
      ],
      groupBy: [],
    });
    const alerts = [
      ...firing('CfgGroupA', instances('a-1:9100', 'a-2:9100', 'a-3:9100')),
      ...firing('CfgGroupB', instances('b-1:9100')),
    ];
    const each = ['a-1:9100', 'a-2:9100', 'a-3:9100', 'b-1:9100'];
    await Promise.all([perAlert.post(alerts), oneGroup.post(alerts)]);
    const ids = new Map<string, string>();
    // ['...']: a group, so a card, per alert. []: one group, one card, naming the alerts it holds.
    await eventually(async () => {
      for (const instance of each) {
        const card = await oneCard(peers.ops, 'cfg-by-all', `instance=${instance}`);
        assertCard(card, { firing: 1 });
        ids.set(instance, card.id);
      }
      const whole = await oneCard(peers.ops, 'cfg-by-none', '');
      assertCard(whole, { firing: 4 });
      assert.match(whole.card!.title, / CfgGroupA, CfgGroupB · 4 firing$/);
      ids.set('whole', whole.id);
    }, WAIT_MS);
    // What Alertmanager sent: one body per alert (group_by ['...']) and one body with all four ([]).
    const sent = peers.sink.about('CfgGroupA').map((b) => [b.groupKey, (b.alerts as unknown[]).length]);
    assert.ok(
      sent.some(([key, n]) => key === '{}:{}' && n === 4),
      JSON.stringify(sent),
    );
    assert.ok(
      sent.some(([key, n]) => /instance="a-1:9100"/.test(String(key)) && n === 1),
      JSON.stringify(sent),
    );
    // One alert resolves: its own card in one room, the count of the one card in the other.
    const resolvedOne = resolvedOf(alerts.slice(0, 1));
    await Promise.all([perAlert.post(resolvedOne), oneGroup.post(resolvedOne)]);
    await eventually(async () => {
      const gone = await oneCard(peers.ops, 'cfg-by-all', 'instance=a-1:9100');
      assert.equal(gone.id, ids.get('a-1:9100'));
      assertCard(gone, 'resolved');
      assertCard(await oneCard(peers.ops, 'cfg-by-all', 'instance=a-2:9100'), { firing: 1 });
      const whole = await oneCard(peers.ops, 'cfg-by-none', '');
      assert.equal(whole.id, ids.get('whole'));
      assertCard(whole, { firing: 3 });
    }, WAIT_MS);
    await Promise.all([perAlert.post(resolvedOf(alerts)), oneGroup.post(resolvedOf(alerts))]);
    await eventually(async () => {
      for (const instance of each) {
        const card = await oneCard(peers.ops, 'cfg-by-all', `instance=${instance}`);
        assert.equal(card.id, ids.get(instance), 'updated in place');
        assertCard(card, 'resolved');
      }
      const whole = await oneCard(peers.ops, 'cfg-by-none', '');
      assert.equal(whole.id, ids.get('whole'), 'updated in place');
      assertCard(whole, 'resolved');
    }, WAIT_MS);
  });

  test('a routing tree with continue: each receiver its room, one card per room per group', async () => {
    const am = await peers.start({
      receivers: [
        { name: 'default', webhookUrl: await peers.ops.hook('alertmanager', 'cfg-rt-default') },
        { name: 'db', webhookUrl: await peers.ops.hook('alertmanager', 'cfg-rt-db') },
        { name: 'pager', webhookUrl: await peers.ops.hook('alertmanager', 'cfg-rt-pager') },
      ],
      receiver: 'default',
      groupBy: ['alertname'],
      routes: [
        { receiver: 'db', matchers: ['team="db"'], continue: true },
        { receiver: 'pager', matchers: ['severity="critical"'] },
      ],
    });
    const alerts = [
      ...firing('CfgRouteBoth', [{ team: 'db', instance: 'db-1:9100' }]),
      ...firing('CfgRouteDbOnly', [{ team: 'db', instance: 'db-2:9100', severity: 'warning' }]),
      ...firing('CfgRoutePager', [{ team: 'web', instance: 'web-1:9100' }]),
      ...firing('CfgRouteDefault', [{ team: 'web', instance: 'web-2:9100', severity: 'info' }]),
    ];
    await am.post(alerts);
    const expected: Record<string, string[]> = {
      'cfg-rt-db': ['CfgRouteBoth', 'CfgRouteDbOnly'],
      'cfg-rt-pager': ['CfgRouteBoth', 'CfgRoutePager'],
      'cfg-rt-default': ['CfgRouteDefault'],
    };
    const ids = new Map<string, string>();
    await eventually(async () => {
      for (const [room, names] of Object.entries(expected)) {
        for (const name of ['CfgRouteBoth', 'CfgRouteDbOnly', 'CfgRoutePager', 'CfgRouteDefault']) {
          const cards = await peers.ops.cards(room, name);
          assert.equal(cards.length, names.includes(name) ? 1 : 0, `${room} ${name}: ${cards.length} cards`);
          if (cards[0]) {
            assert.match(cards[0].card!.title, /· 1 firing$/);
            ids.set(`${room}/${name}`, cards[0].id);
          }
        }
      }
    }, WAIT_MS);
    await am.post(resolvedOf(alerts));
    await eventually(async () => {
      for (const [room, names] of Object.entries(expected)) {
        for (const name of names) {
          const card = await oneCard(peers.ops, room, name);
          assert.equal(card.id, ids.get(`${room}/${name}`), 'updated in place');
          assert.ok(looksResolved(card), `${room} ${name} resolved: ${card.card!.title}`);
        }
      }
    }, WAIT_MS);
  });

  test('send_resolved: false: Opsroom never hears the resolve; asking Alertmanager, it resolves the card', async () => {
    const am = await peers.start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await peers.ops.hook('alertmanager', 'cfg-no-resolve'),
          sendResolved: false,
          extraWebhookUrls: [peers.sink.url],
        },
      ],
    });
    const alerts = firing('CfgNoResolve', instances('nr-1:9100'));
    await am.post(alerts);
    const card = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-no-resolve', 'CfgNoResolve');
      assertCard(found, { firing: 1 });
      return found;
    }, WAIT_MS);
    await am.post(resolvedOf(alerts));
    // The sink beside it (send_resolved: true) hears the resolve; Opsroom's config sends nothing.
    await eventually(
      () =>
        assert.ok(
          peers.sink.about('CfgNoResolve').some((b) => b.status === 'resolved'),
          JSON.stringify(peers.sink.about('CfgNoResolve').map((b) => [b.status, b.receiver])),
        ),
      WAIT_MS,
    );
    // No webhook says so; Alertmanager's API no longer lists the alert, so the reconciler ends it.
    const after = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-no-resolve', 'CfgNoResolve');
      assert.ok(looksResolved(found), found.card!.title);
      return found;
    }, WAIT_MS);
    assert.equal(after.id, card.id);
  });

  test('an externalURL this machine cannot resolve: Opsroom asks the address the webhooks came from', async () => {
    // Alertmanager's default external URL names its own host; here a name that resolves nowhere.
    const am = await peers.start(
      {
        receivers: [
          {
            name: 'opsroom',
            webhookUrl: await peers.ops.hook('alertmanager', 'cfg-unresolvable'),
            sendResolved: false,
          },
        ],
      },
      { externalHost: 'am-nowhere.invalid' },
    );
    const alerts = firing('CfgUnresolvable', instances('ur-1:9100'));
    await am.post(alerts);
    const card = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-unresolvable', 'CfgUnresolvable');
      assertCard(found, { firing: 1 });
      return found;
    }, WAIT_MS);
    // No resolve is ever sent (send_resolved: false): only asking Alertmanager ends it.
    await am.post(resolvedOf(alerts));
    const after = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-unresolvable', 'CfgUnresolvable');
      assert.ok(looksResolved(found), found.card!.title);
      return found;
    }, WAIT_MS);
    assert.equal(after.id, card.id);
  });

  test('an alert that resolves while Alertmanager inhibits it: its resolve is never sent, yet its card resolves', async () => {
    const am = await peers.start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await peers.ops.hook('alertmanager', 'cfg-inhibited'),
          extraWebhookUrls: [peers.sink.url],
        },
      ],
      inhibitRules: [
        {
          source_matchers: ['severity="critical"'],
          target_matchers: ['severity="warning"'],
          equal: ['service'],
        },
      ],
    });
    const target = firing('CfgInhTarget', [{ service: 'cart', instance: 'c-1:9100', severity: 'warning' }]);
    const source = firing('CfgInhSource', [{ service: 'cart', instance: 'c-1:9100' }]);
    await am.post(target);
    const card = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-inhibited', 'CfgInhTarget');
      assert.match(found.card!.title, /· 1 firing$/);
      return found;
    }, WAIT_MS);
    await am.post(source);
    await eventually(() => oneCard(peers.ops, 'cfg-inhibited', 'CfgInhSource'), WAIT_MS);
    // Inhibited, the target is still held by Alertmanager (suppressed): its card says so, unresolved.
    await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-inhibited', 'CfgInhTarget');
      assert.ok(!looksResolved(found), 'resolved while it fired');
      assert.match(field(found, /^Status/) ?? '', /Inhibited/, JSON.stringify(found.card!.fields));
      assert.match(
        field(found, /^Alerts/) ?? '',
        /inhibited in Alertmanager/,
        JSON.stringify(found.card!.fields),
      );
    }, WAIT_MS);
    // The target ends while inhibited, then the source ends: only the source's resolve is sent.
    await am.post(resolvedOf(target));
    await new Promise((r) => setTimeout(r, 2500));
    await am.post(resolvedOf(source));
    await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-inhibited', 'CfgInhSource');
      // Every assert.ok here has a message: without one, Node reads the (tsx) source to write it,
      // which takes seconds of CPU per failed try inside eventually().
      assert.ok(looksResolved(found), found.card!.title);
    }, WAIT_MS);
    await new Promise((r) => setTimeout(r, 3000));
    const said = peers.sink.about('CfgInhTarget').map((b) => b.status);
    assert.ok(!said.includes('resolved'), `Alertmanager sent the target's resolve after all: ${said}`);
    // Alertmanager's API no longer lists it: the reconciler resolved it, on the same card.
    const after = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-inhibited', 'CfgInhTarget');
      assert.ok(looksResolved(found), found.card!.title);
      return found;
    }, WAIT_MS);
    assert.equal(after.id, card.id);
  });

  test('an alert that resolves while silenced in Alertmanager: no resolve is sent, yet its card resolves', async () => {
    const am = await peers.start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await peers.ops.hook('alertmanager', 'cfg-silenced'),
          extraWebhookUrls: [peers.sink.url],
        },
      ],
    });
    const alerts = firing('CfgSilenced', instances('s-1:9100', 's-2:9100'));
    await am.post(alerts);
    const card = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-silenced', 'CfgSilenced');
      assertCard(found, { firing: 2 });
      return found;
    }, WAIT_MS);
    await am.silence({ alertname: 'CfgSilenced', instance: 's-2:9100' });
    // Silenced, s-2 is still held (suppressed): still counted firing, its line says it is silenced.
    await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-silenced', 'CfgSilenced');
      assertCard(found, { firing: 2 });
      assert.match(
        field(found, /^Alerts/) ?? '',
        /s-2:9100.* — silenced in Alertmanager/,
        JSON.stringify(found.card!.fields),
      );
    }, WAIT_MS);
    // s-2 ends under the silence: Alertmanager never notifies it, and stops holding it.
    await am.post(resolvedOf(alerts.slice(1)));
    const after = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-silenced', 'CfgSilenced');
      assertCard(found, { firing: 1 });
      return found;
    }, WAIT_MS);
    assert.equal(after.id, card.id);
    const sent = peers.sink
      .about('CfgSilenced')
      .flatMap((b) => (b.alerts as { status: string; labels: Record<string, string> }[]) ?? []);
    assert.ok(
      !sent.some((a) => a.labels.instance === 's-2:9100' && a.status === 'resolved'),
      `Alertmanager sent the silenced alert's resolve after all: ${JSON.stringify(sent)}`,
    );
  });

  test('max_alerts: 2 with 5 alerts firing (truncatedAlerts: 3): the card counts 5', async () => {
    const am = await peers.start({
      receivers: [
        { name: 'opsroom', webhookUrl: await peers.ops.hook('alertmanager', 'cfg-truncated'), maxAlerts: 2 },
        // The same config into the recording sink: what Opsroom was sent.
        { name: 'sink', webhookUrl: peers.sink.url, maxAlerts: 2 },
      ],
      routes: [{ receiver: 'opsroom', continue: true }, { receiver: 'sink' }],
    });
    const alerts = firing(
      'CfgTruncated',
      instances('t-1:9100', 't-2:9100', 't-3:9100', 't-4:9100', 't-5:9100'),
    );
    await am.post(alerts);
    const card = await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-truncated', 'CfgTruncated');
      assertCard(found, { firing: 5 });
      assert.match(field(found, /^Alerts/)!, /… and 3 more the sender did not list/);
      return found;
    }, WAIT_MS);
    // (Alerts that started before group_wait are flushed at once, so the first body may hold fewer.)
    const sent = peers.sink
      .about('CfgTruncated')
      .map((b) => [(b.alerts as unknown[]).length, b.truncatedAlerts]);
    assert.ok(
      sent.some(([n, truncated]) => n === 2 && truncated === 3),
      JSON.stringify(sent),
    );
    await am.post(resolvedOf(alerts));
    await eventually(async () => {
      const found = await oneCard(peers.ops, 'cfg-truncated', 'CfgTruncated');
      assert.equal(found.id, card.id);
      assertCard(found, 'resolved');
    }, WAIT_MS);
  });
});
