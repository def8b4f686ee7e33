// Debian's Alertmanager 0.25 with configurations the first peer test does not try, each pointed at a
// real Opsroom as installed (no group_by of its own, so Alertmanager's groups are kept; group_wait 0):
// group_by ['...'] and [], a routing tree with `continue`, send_resolved false, an alert resolved while
// inhibited or silenced, max_alerts, Slack receivers with custom templates and with group_by [], and HA pairs
// re-sending a changed summary or stamping their own starts. Every test checks the cards in the rooms:
// one per group, updated in place, with the current truth. The resolves Alertmanager never sends (an
// alert ended while inhibited; send_resolved: false) Opsroom learns by asking its API (reconcile.ts).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { MessageView } from '../../src/domains/chat/schema.js';
import { eventually } from '../support/eventually.js';
import { Alertmanager, type AlertmanagerConfigSpec, type PeerAlert } from './support/alertmanager.js';
import { looksResolved, OpsroomPeer } from './support/opsroom-peer.js';

const WAIT_MS = 30_000;

/** Firing alerts as Prometheus sends them: started a minute ago, endsAt a few evaluations ahead. */
function firing(alertname: string, labels: Record<string, string>[], summary = `${alertname} fires`) {
  const now = Date.now();
  return labels.map(
    (extra): PeerAlert => ({
      labels: { alertname, job: 'node', severity: 'critical', ...extra },
      annotations: { summary },
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 10 * 60_000).toISOString(),
    }),
  );
}

/** The same alerts, resolved (endsAt in the past). */
function resolvedOf(alerts: PeerAlert[]): PeerAlert[] {
  const past = new Date(Date.now() - 1000).toISOString();
  return alerts.map((a) => ({ ...a, endsAt: past }));
}

const instances = (...names: string[]) => names.map((instance) => ({ instance }));

/** The field of a card titled `title` (Opsroom's own cards: Status, Alerts (n firing, m resolved), …). */
function field(message: MessageView, title: RegExp): string | undefined {
  const found = message.card?.fields?.find((f) => title.test(f.title));
  return found === undefined ? undefined : `${found.title}: ${found.value}`;
}

/** One card for the group in the room; returns it. */
async function oneCard(ops: OpsroomPeer, room: string, alertname: string): Promise<MessageView> {
  const found = await ops.cards(room, alertname);
  assert.equal(found.length, 1, `${room}: one card for ${alertname}, saw ${found.length}`);
  return found[0]!;
}

/** Asserts an Opsroom card: firing with `count` alerts (title, Alerts field, red), or resolved (green). */
function assertCard(message: MessageView, expected: { firing: number } | 'resolved'): void {
  const card = message.card!;
  const seen = JSON.stringify({ title: card.title, color: card.color, fields: card.fields });
  if (expected === 'resolved') {
    assert.ok(looksResolved(message), `resolved: ${seen}`);
    assert.equal(card.color, 'good', seen);
    assert.match(field(message, /^Alerts/) ?? '', /\(0 firing/, seen);
    return;
  }
  assert.ok(!looksResolved(message), `firing: ${seen}`);
  assert.equal(card.color, 'danger', seen);
  assert.match(card.title, new RegExp(`· ${expected.firing} firing$`), seen);
  assert.match(field(message, /^Alerts/) ?? '', new RegExp(`^Alerts \\(${expected.firing} firing`), seen);
}

/** A webhook receiver that keeps every body (what Alertmanager actually sent, for the evidence). */
class RecordingSink {
  readonly bodies: Record<string, unknown>[] = [];
  private constructor(
    readonly url: string,
    private readonly server: Server,
  ) {}

  static async start(): Promise<RecordingSink> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const sink = new RecordingSink(`http://127.0.0.1:${port}/hook`, server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.end('ok');
        try {
          sink.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        } catch {
          // Not JSON: ignored.
        }
      });
    });
    return sink;
  }

  /** Bodies whose alerts include one named `alertname`. */
  about(alertname: string): Record<string, unknown>[] {
    return this.bodies.filter((b) =>
      (b.alerts as { labels: Record<string, string> }[] | undefined)?.some(
        (a) => a.labels.alertname === alertname,
      ),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

describe('Alertmanager 0.25 configurations → Opsroom', { timeout: 150_000 }, () => {
  let ops: OpsroomPeer;
  let sink: RecordingSink;
  const managers: Alertmanager[] = [];
  const start = async (spec: AlertmanagerConfigSpec, options: { externalHost?: string } = {}) => {
    const am = await Alertmanager.start(
      {
        groupWait: '1s',
        groupInterval: '1s',
        repeatInterval: '2s',
        ...spec,
      },
      options,
    );
    managers.push(am);
    return am;
  };

  before(async () => {
    // Reconciling every second, trusting an Alertmanager at once: each test's Alertmanager is new.
    ops = await OpsroomPeer.start({ reconcile: { interval: '1s', min_uptime: '0s' } });
    sink = await RecordingSink.start();
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.stop()));
    await sink.close();
    await ops.dispose();
  });

  test("group_by ['...'] and group_by []: with no group_by of its own, Opsroom keeps Alertmanager's groups", async () => {
    const perAlert = await start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await ops.hook('alertmanager', 'cfg-by-all'),
          extraWebhookUrls: [sink.url],
        },
      ],
      groupBy: ['...'],
    });
    const oneGroup = await start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await ops.hook('alertmanager', 'cfg-by-none'),
          extraWebhookUrls: [sink.url],
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
        const card = await oneCard(ops, 'cfg-by-all', `instance=${instance}`);
        assertCard(card, { firing: 1 });
        ids.set(instance, card.id);
      }
      const whole = await oneCard(ops, 'cfg-by-none', '');
      assertCard(whole, { firing: 4 });
      assert.match(whole.card!.title, / CfgGroupA, CfgGroupB · 4 firing$/);
      ids.set('whole', whole.id);
    }, WAIT_MS);
    // What Alertmanager sent: one body per alert (group_by ['...']) and one body with all four ([]).
    const sent = sink.about('CfgGroupA').map((b) => [b.groupKey, (b.alerts as unknown[]).length]);
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
      const gone = await oneCard(ops, 'cfg-by-all', 'instance=a-1:9100');
      assert.equal(gone.id, ids.get('a-1:9100'));
      assertCard(gone, 'resolved');
      assertCard(await oneCard(ops, 'cfg-by-all', 'instance=a-2:9100'), { firing: 1 });
      const whole = await oneCard(ops, 'cfg-by-none', '');
      assert.equal(whole.id, ids.get('whole'));
      assertCard(whole, { firing: 3 });
    }, WAIT_MS);
    await Promise.all([perAlert.post(resolvedOf(alerts)), oneGroup.post(resolvedOf(alerts))]);
    await eventually(async () => {
      for (const instance of each) {
        const card = await oneCard(ops, 'cfg-by-all', `instance=${instance}`);
        assert.equal(card.id, ids.get(instance), 'updated in place');
        assertCard(card, 'resolved');
      }
      const whole = await oneCard(ops, 'cfg-by-none', '');
      assert.equal(whole.id, ids.get('whole'), 'updated in place');
      assertCard(whole, 'resolved');
    }, WAIT_MS);
  });

  test('a routing tree with continue: each receiver its room, one card per room per group', async () => {
    const am = await start({
      receivers: [
        { name: 'default', webhookUrl: await ops.hook('alertmanager', 'cfg-rt-default') },
        { name: 'db', webhookUrl: await ops.hook('alertmanager', 'cfg-rt-db') },
        { name: 'pager', webhookUrl: await ops.hook('alertmanager', 'cfg-rt-pager') },
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
          const cards = await ops.cards(room, name);
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
          const card = await oneCard(ops, room, name);
          assert.equal(card.id, ids.get(`${room}/${name}`), 'updated in place');
          assert.ok(looksResolved(card), `${room} ${name} resolved: ${card.card!.title}`);
        }
      }
    }, WAIT_MS);
  });

  test('send_resolved: false: Opsroom never hears the resolve; asking Alertmanager, it resolves the card', async () => {
    const am = await start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await ops.hook('alertmanager', 'cfg-no-resolve'),
          sendResolved: false,
          extraWebhookUrls: [sink.url],
        },
      ],
    });
    const alerts = firing('CfgNoResolve', instances('nr-1:9100'));
    await am.post(alerts);
    const card = await eventually(async () => {
      const found = await oneCard(ops, 'cfg-no-resolve', 'CfgNoResolve');
      assertCard(found, { firing: 1 });
      return found;
    }, WAIT_MS);
    await am.post(resolvedOf(alerts));
    // The sink beside it (send_resolved: true) hears the resolve; Opsroom's config sends nothing.
    await eventually(
      () =>
        assert.ok(
          sink.about('CfgNoResolve').some((b) => b.status === 'resolved'),
          JSON.stringify(sink.about('CfgNoResolve').map((b) => [b.status, b.receiver])),
        ),
      WAIT_MS,
    );
    // No webhook says so; Alertmanager's API no longer lists the alert, so the reconciler ends it.
    const after = await eventually(async () => {
      const found = await oneCard(ops, 'cfg-no-resolve', 'CfgNoResolve');
      assert.ok(looksResolved(found), found.card!.title);
      return found;
    }, WAIT_MS);
    assert.equal(after.id, card.id);
  });

  test('an externalURL this machine cannot resolve: Opsroom asks the address the webhooks came from', async () => {
    // Alertmanager's default external URL names its own host; here a name that resolves nowhere.
    const am = await start(
      {
        receivers: [
          {
            name: 'opsroom',
            webhookUrl: await ops.hook('alertmanager', 'cfg-unresolvable'),
            sendResolved: false,
          },
        ],
      },
      { externalHost: 'am-nowhere.invalid' },
    );
    const alerts = firing('CfgUnresolvable', instances('ur-1:9100'));
    await am.post(alerts);
    const card = await eventually(async () => {
      const found = await oneCard(ops, 'cfg-unresolvable', 'CfgUnresolvable');
      assertCard(found, { firing: 1 });
      return found;
    }, WAIT_MS);
    // No resolve is ever sent (send_resolved: false): only asking Alertmanager ends it.
    await am.post(resolvedOf(alerts));
    const after = await eventually(async () => {
      const found = await oneCard(ops, 'cfg-unresolvable', 'CfgUnresolvable');
      assert.ok(looksResolved(found), found.card!.title);
      return found;
    }, WAIT_MS);
    assert.equal(after.id, card.id);
  });

  test('an alert that resolves while Alertmanager inhibits it: its resolve is never sent, yet its card resolves', async () => {
    const am = await start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await ops.hook('alertmanager', 'cfg-inhibited'),
          extraWebhookUrls: [sink.url],
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
      const found = await oneCard(ops, 'cfg-inhibited', 'CfgInhTarget');
      assert.match(found.card!.title, /· 1 firing$/);
      return found;
    }, WAIT_MS);
    await am.post(source);
    await eventually(() => oneCard(ops, 'cfg-inhibited', 'CfgInhSource'), WAIT_MS);
    // Inhibited, the target is still held by Alertmanager (suppressed): its card says so, unresolved.
    await eventually(async () => {
      const found = await oneCard(ops, 'cfg-inhibited', 'CfgInhTarget');
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
      const found = await oneCard(ops, 'cfg-inhibited', 'CfgInhSource');
      // Every assert.ok here has a message: without one, Node reads the (tsx) source to write it,
      // which takes seconds of CPU per failed try inside eventually().
      assert.ok(looksResolved(found), found.card!.title);
    }, WAIT_MS);
    await new Promise((r) => setTimeout(r, 3000));
    const said = sink.about('CfgInhTarget').map((b) => b.status);
    assert.ok(!said.includes('resolved'), `Alertmanager sent the target's resolve after all: ${said}`);
    // Alertmanager's API no longer lists it: the reconciler resolved it, on the same card.
    const after = await eventually(async () => {
      const found = await oneCard(ops, 'cfg-inhibited', 'CfgInhTarget');
      assert.ok(looksResolved(found), found.card!.title);
      return found;
    }, WAIT_MS);
    assert.equal(after.id, card.id);
  });

  test('an alert that resolves while silenced in Alertmanager: no resolve is sent, yet its card resolves', async () => {
    const am = await start({
      receivers: [
        {
          name: 'opsroom',
          webhookUrl: await ops.hook('alertmanager', 'cfg-silenced'),
          extraWebhookUrls: [sink.url],
        },
      ],
    });
    const alerts = firing('CfgSilenced', instances('s-1:9100', 's-2:9100'));
    await am.post(alerts);
    const card = await eventually(async () => {
      const found = await oneCard(ops, 'cfg-silenced', 'CfgSilenced');
      assertCard(found, { firing: 2 });
      return found;
    }, WAIT_MS);
    await am.silence({ alertname: 'CfgSilenced', instance: 's-2:9100' });
    // Silenced, s-2 is still held (suppressed): still counted firing, its line says it is silenced.
    await eventually(async () => {
      const found = await oneCard(ops, 'cfg-silenced', 'CfgSilenced');
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
      const found = await oneCard(ops, 'cfg-silenced', 'CfgSilenced');
      assertCard(found, { firing: 1 });
      return found;
    }, WAIT_MS);
    assert.equal(after.id, card.id);
    const sent = sink
      .about('CfgSilenced')
      .flatMap((b) => (b.alerts as { status: string; labels: Record<string, string> }[]) ?? []);
    assert.ok(
      !sent.some((a) => a.labels.instance === 's-2:9100' && a.status === 'resolved'),
      `Alertmanager sent the silenced alert's resolve after all: ${JSON.stringify(sent)}`,
    );
  });

  test('max_alerts: 2 with 5 alerts firing (truncatedAlerts: 3): the card counts 5', async () => {
    const am = await start({
      receivers: [
        { name: 'opsroom', webhookUrl: await ops.hook('alertmanager', 'cfg-truncated'), maxAlerts: 2 },
        // The same config into the recording sink: what Opsroom was sent.
        { name: 'sink', webhookUrl: sink.url, maxAlerts: 2 },
      ],
      routes: [{ receiver: 'opsroom', continue: true }, { receiver: 'sink' }],
    });
    const alerts = firing(
      'CfgTruncated',
      instances('t-1:9100', 't-2:9100', 't-3:9100', 't-4:9100', 't-5:9100'),
    );
    await am.post(alerts);
    const card = await eventually(async () => {
      const found = await oneCard(ops, 'cfg-truncated', 'CfgTruncated');
      assertCard(found, { firing: 5 });
      assert.match(field(found, /^Alerts/)!, /… and 3 more the sender did not list/);
      return found;
    }, WAIT_MS);
    // (Alerts that started before group_wait are flushed at once, so the first body may hold fewer.)
    const sent = sink.about('CfgTruncated').map((b) => [(b.alerts as unknown[]).length, b.truncatedAlerts]);
    assert.ok(
      sent.some(([n, truncated]) => n === 2 && truncated === 3),
      JSON.stringify(sent),
    );
    await am.post(resolvedOf(alerts));
    await eventually(async () => {
      const found = await oneCard(ops, 'cfg-truncated', 'CfgTruncated');
      assert.equal(found.id, card.id);
      assertCard(found, 'resolved');
    }, WAIT_MS);
  });

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
    const am = await start({
      receivers: [
        { name: 'custom', slackUrl: await ops.hook('slack', 'cfg-slack'), slack },
        {
          // Its own username and title link too: nothing of Alertmanager's defaults is left.
          name: 'own-name',
          slackUrl: await ops.hook('slack', 'cfg-slack-own'),
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
        const card = await oneCard(ops, room, 'CfgSlackCustom');
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
    for (const room of ['cfg-slack', 'cfg-slack-own']) await oneCard(ops, room, 'CfgSlackCustom');
    await am.post(resolvedOf(alerts));
    for (const room of ['cfg-slack', 'cfg-slack-own']) {
      await eventually(async () => {
        const card = await oneCard(ops, room, 'CfgSlackCustom');
        const seen = JSON.stringify(card.card);
        assert.equal(card.id, ids.get(room), `${room}: updated in place`);
        assert.equal(card.card!.title, 'CfgSlackCustom is RESOLVED', seen);
        assert.equal(card.card!.color, '#2eb886', seen);
        assert.deepEqual(card.card!.fields?.[0], { title: 'Firing', value: '0', short: true }, seen);
      }, WAIT_MS);
    }
  });

  test('a Slack receiver with group_by []: one card while alerts join and the common labels change', async () => {
    const am = await start({
      receivers: [{ name: 'slack', slackUrl: await ops.hook('slack', 'cfg-slack-whole') }],
      groupBy: [],
    });
    // Every card in the room: the test is whether there is more than one.
    const slackCards = () => ops.cards('cfg-slack-whole', '');
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
      receivers: [{ name: 'opsroom', webhookUrl: await ops.hook('alertmanager', 'cfg-annotations') }],
    };
    const pair = [await start(spec), await start(spec)];
    const v1 = firing('CfgAnnotation', instances('an-1:9100'), 'disk 80% full');
    await Promise.all(pair.map((am) => am.post(v1)));
    const card = await eventually(async () => {
      const found = await oneCard(ops, 'cfg-annotations', 'CfgAnnotation');
      assertCard(found, { firing: 1 });
      assert.equal(found.card!.text, 'disk 80% full');
      return found;
    }, WAIT_MS);
    // Prometheus re-sends the same alert (same labels and start) with the new value in its summary.
    const v2 = v1.map((a) => ({ ...a, annotations: { summary: 'disk 95% full' } }));
    await Promise.all(pair.map((am) => am.post(v2)));
    await eventually(async () => {
      const found = await oneCard(ops, 'cfg-annotations', 'CfgAnnotation');
      assert.equal(found.id, card.id);
      assert.equal(found.card!.text, 'disk 95% full');
      assertCard(found, { firing: 1 });
    }, WAIT_MS);
    // Further resends from both peers leave it at the current summary.
    await new Promise((r) => setTimeout(r, 4500));
    const still = await oneCard(ops, 'cfg-annotations', 'CfgAnnotation');
    assert.equal(still.card!.text, 'disk 95% full');
    await Promise.all(pair.map((am) => am.post(resolvedOf(v2))));
    await eventually(async () => {
      const found = await oneCard(ops, 'cfg-annotations', 'CfgAnnotation');
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
    const bearer = split(await ops.hook('alertmanager', 'cfg-bearer'));
    const basic = split(await ops.hook('alertmanager', 'cfg-basic'));
    const am = await start({
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
      assertCard(await oneCard(ops, 'cfg-bearer', 'CfgBearer'), { firing: 2 });
      assertCard(await oneCard(ops, 'cfg-basic', 'CfgBasic'), { firing: 1 });
    }, WAIT_MS);
  });

  test('an HA pair fed by a client that sends no start (amtool, curl): one alert on one card', async () => {
    const spec: AlertmanagerConfigSpec = {
      receivers: [{ name: 'opsroom', webhookUrl: await ops.hook('alertmanager', 'cfg-ha-nostart') }],
    };
    const pair = [await start(spec), await start(spec)];
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
      const found = await oneCard(ops, 'cfg-ha-nostart', 'CfgNoStart');
      assertCard(found, { firing: 1 });
      return found;
    }, WAIT_MS);
    // Both have sent, and re-sent (repeat_interval 2 s), by now: still one alert.
    await new Promise((r) => setTimeout(r, 4500));
    assertCard(await oneCard(ops, 'cfg-ha-nostart', 'CfgNoStart'), { firing: 1 });
    const ended = { ...alert, endsAt: new Date(Date.now() - 1000).toISOString() };
    await Promise.all(pair.map((am) => am.post([ended])));
    await eventually(async () => {
      const found = await oneCard(ops, 'cfg-ha-nostart', 'CfgNoStart');
      assert.equal(found.id, card.id);
      assertCard(found, 'resolved');
      assert.equal(field(found, /^Alerts/)?.split(':')[0], 'Alerts (0 firing, 1 resolved)');
    }, WAIT_MS);
  });
});
