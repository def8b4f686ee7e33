import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAlertsApp } from '../../../test/support/alerts-app.js';
import type { TestApp } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { AlertmanagerApi } from '../../../test/support/fake-alertmanager-api.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import type { MessageView } from '../chat/schema.js';
import type { Integration } from '../integrations/schema.js';
import {
  alertmanagerBase,
  readSenderAlerts,
  readStartedMs,
  type SenderAnswer,
  senderBase,
} from './alertmanager-api.js';
import { fingerprint } from './fingerprint.js';
import { endedAtSender, RECONCILED_BY } from './reconcile.js';
import { mutedAtSender } from './sender-mutes.js';

// An alert that ends while Alertmanager silences or inhibits it is never notified as resolved (nor
// any with send_resolved: false): Opsroom asks Alertmanager which alerts it still holds.

const NOW = Date.parse('2026-05-01T10:00:00Z');
const held = (fp: string, endsAt = '0001-01-01T00:00:00Z', state = 'active', silenced = false) =>
  [fp, { fingerprint: fp, startsAt: '2026-05-01T09:00:00Z', endsAt, state, silenced }] as const;
const answer = (url: string, startedAgoMs: number, fps: (readonly [string, ReturnType<typeof held>[1]])[]) =>
  ({ url, ok: true, startedMs: NOW - startedAgoMs, alerts: new Map(fps) }) satisfies SenderAnswer;
const down: SenderAnswer = { url: 'http://am-2', ok: false, error: 'ECONNREFUSED' };

describe('endedAtSender', () => {
  const firing = ['aaaa', 'bbbb'];
  it('an alert no Alertmanager holds has ended; one it holds has not', () => {
    assert.deepEqual(
      [...endedAtSender(firing, [answer('http://am-1', 600_000, [held('aaaa')])], NOW, 120_000)],
      ['bbbb'],
    );
  });
  it('an Alertmanager that restarted lately is not trusted alone, nor one that did not answer', () => {
    assert.equal(endedAtSender(firing, [answer('http://am-1', 60_000, [])], NOW, 120_000).size, 0);
    assert.equal(endedAtSender(firing, [down], NOW, 120_000).size, 0);
    assert.equal(endedAtSender(firing, [], NOW, 120_000).size, 0);
  });
  it('in an HA pair, the one that still holds an alert keeps it; one that is down says nothing', () => {
    const pair = [answer('http://am-1', 600_000, []), answer('http://am-2', 30_000, [held('bbbb')])];
    assert.deepEqual([...endedAtSender(firing, pair, NOW, 120_000)], ['aaaa']);
    assert.deepEqual(
      [...endedAtSender(firing, [answer('http://am-1', 600_000, []), down], NOW, 120_000)],
      ['aaaa', 'bbbb'],
    );
  });
  it('an alert it lists with an end time passed has ended; one ending later has not', () => {
    const ends = [held('aaaa', '2026-05-01T09:59:00Z'), held('bbbb', '2026-05-01T10:04:00Z')];
    assert.deepEqual(
      [...endedAtSender(firing, [answer('http://am-1', 600_000, ends)], NOW, 120_000)],
      ['aaaa'],
    );
  });
});

describe('mutedAtSender', () => {
  it('suppressed by every Alertmanager that holds it: silenced or inhibited; active in any: not muted', () => {
    const one = answer('http://am-1', 600_000, [
      held('aaaa', '0001-01-01T00:00:00Z', 'suppressed', true),
      held('bbbb', '0001-01-01T00:00:00Z', 'suppressed'),
      held('cccc', '0001-01-01T00:00:00Z', 'suppressed'),
      held('dddd'),
    ]);
    const other = answer('http://am-2', 600_000, [held('cccc')]);
    assert.deepEqual(
      [...mutedAtSender(['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'], [one, other, down])],
      [
        ['aaaa', 'alertmanager:silenced'],
        ['bbbb', 'alertmanager:inhibited'],
        ['cccc', null],
        ['dddd', null],
      ],
    );
  });
});

describe("Alertmanager's API answers", () => {
  it('the API base keeps a route prefix and refuses what is not plain http(s)', () => {
    assert.equal(alertmanagerBase('http://am.example:9093/'), 'http://am.example:9093');
    assert.equal(alertmanagerBase('https://ops.example/alertmanager/'), 'https://ops.example/alertmanager');
    for (const bad of ['file:///etc/passwd', 'http://user:pw@am.example', 'not a url', 'ftp://am.example']) {
      assert.equal(alertmanagerBase(bad), undefined, bad);
    }
  });
  it('the sender’s base: its address on the externalURL’s scheme, port and path; IPs only', () => {
    assert.equal(senderBase('http://am-1:9093/', '10.0.0.7'), 'http://10.0.0.7:9093');
    assert.equal(
      senderBase('https://ops.example/alertmanager/', '::ffff:10.0.0.7'),
      'https://10.0.0.7/alertmanager',
    );
    assert.equal(senderBase('http://am-1:9093', 'fd00::7'), 'http://[fd00::7]:9093');
    assert.equal(senderBase('http://am-1:9093', undefined), undefined);
    assert.equal(senderBase('http://am-1:9093', 'not-an-ip'), undefined);
    assert.equal(senderBase('file:///etc', '10.0.0.7'), undefined);
  });
  it('reads a status and an alert list, and refuses what is not one', () => {
    assert.equal(
      readStartedMs({ uptime: '2026-05-01T09:00:00.000Z', versionInfo: { version: '0.25.0' } }),
      Date.parse('2026-05-01T09:00:00Z'),
    );
    assert.throws(
      () => readStartedMs({ uptime: 'yesterday', versionInfo: {} }),
      /not an Alertmanager status/,
    );
    assert.throws(() => readStartedMs([]), /not an Alertmanager status/);
    const alerts = readSenderAlerts([
      {
        fingerprint: 'aaaa',
        startsAt: 's',
        endsAt: 'e',
        status: { state: 'suppressed', inhibitedBy: ['x'] },
      },
    ]);
    assert.equal(alerts.get('aaaa')?.state, 'suppressed');
    assert.throws(() => readSenderAlerts({ data: [] }), /did not answer a list/);
    assert.throws(() => readSenderAlerts([{ labels: {} }]), /not an alert/);
  });
});

for (const dialect of DIALECTS) {
  describe(`reconciling with Alertmanager (${dialect})`, () => {
    const clock = new FakeClock(new Date(NOW).toISOString());
    const am = new AlertmanagerApi(NOW);
    let t: TestApp;
    let integration: Integration;
    const labels = (instance: string) => ({ alertname: 'DiskFull', instance, severity: 'warning' });
    const fp = (instance: string) => fingerprint(labels(instance));
    const send = async (
      instances: string[],
      to = integration,
      externalURL = am.url,
      from: { address?: string } = {},
    ) => {
      const body = {
        receiver: 'opsroom',
        status: 'firing',
        alerts: instances.map((instance) => ({
          status: 'firing',
          labels: labels(instance),
          annotations: { summary: 'disk full' },
          startsAt: '2026-05-01T09:55:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
          fingerprint: fp(instance),
        })),
        groupLabels: { alertname: 'DiskFull' },
        commonLabels: { alertname: 'DiskFull' },
        commonAnnotations: {},
        externalURL,
        version: '4',
        groupKey: '{}:{alertname="DiskFull"}',
        truncatedAlerts: 0,
      };
      await t.app.alerts.ingestion.ingestBody(
        'alertmanager',
        to,
        new TextEncoder().encode(JSON.stringify(body)),
        from,
      );
      await t.app.alerts.idle();
    };
    const minutes = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await clock.advanceAsync(60_000);
        await t.app.alerts.idle();
      }
    };
    const card = async (): Promise<MessageView> => {
      const cards = (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 50 })).filter(
        (m) => m.card?.title.includes('DiskFull') && m.threadId === null,
      );
      assert.equal(cards.length, 1, JSON.stringify(cards.map((m) => m.card?.title)));
      return cards[0]!;
    };
    const alertsTitle = async () =>
      (await card()).card!.fields!.find((f) => f.title.startsWith('Alerts'))!.title;

    before(async () => {
      await am.listen();
      ({ t, integration } = await startAlertsApp(dialect, {
        clock,
        config: {
          alerts: {
            route: { group_by: ['alertname'], group_wait: '0s', group_interval: '1s' },
            reconcile: {
              enabled: true,
              interval: '1m',
              min_uptime: '2m',
              // An Alertmanager whose external URL is not reachable from here is asked elsewhere.
              api_urls: { 'https://am.public.example/': am.url },
            },
          },
        },
      }));
    });
    after(async () => {
      await t.dispose();
      am.server.close();
    });

    it('keeps what Alertmanager holds and resolves, on the same card, what it no longer holds', async () => {
      am.holds = new Map([
        [fp('d-1'), 'active'],
        [fp('d-2'), 'active'],
      ]);
      await send(['d-1', 'd-2']);
      assert.equal(await alertsTitle(), 'Alerts (2 firing, 0 resolved)');
      const before = am.asked;
      await minutes(1);
      assert.ok(am.asked > before, 'the Alertmanager its bodies named was asked');
      assert.equal(await alertsTitle(), 'Alerts (2 firing, 0 resolved)');
      // d-2 ends while Alertmanager inhibits it: no webhook ever says so.
      am.holds.delete(fp('d-2'));
      await minutes(1);
      assert.equal(await alertsTitle(), 'Alerts (1 firing, 1 resolved)');
      const [group] = await t.app.alerts.service.list(SYSTEM_ACTOR, { status: 'all' });
      const view = await t.app.alerts.service.get(SYSTEM_ACTOR, group!.id);
      const ended = view.alerts.find((a) => a.labels.instance === 'd-2');
      assert.equal(ended?.status, 'resolved');
      // The thread says why, since no webhook ever will.
      const thread = await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', {
        threadId: (await card()).id,
        limit: 20,
      });
      assert.ok(
        thread.some((m) => m.text.startsWith('✅ 1 alert ended without a resolve from Alertmanager')),
        JSON.stringify(thread.map((m) => m.text)),
      );
    });

    it('shows what Alertmanager silences or inhibits, and takes the mark off when it notifies again', async () => {
      const field = async (title: RegExp) => (await card()).card!.fields!.find((f) => title.test(f.title))!;
      am.holds.set(fp('d-1'), 'inhibited');
      await minutes(1);
      assert.equal((await field(/^Status/)).value, 'Inhibited by another alert');
      assert.match((await field(/^Alerts/)).value, /🔇 .*d-1.* — inhibited in Alertmanager/);
      am.holds.set(fp('d-1'), 'silenced');
      await minutes(1);
      assert.equal((await field(/^Status/)).value, 'Silenced');
      assert.match((await field(/^Alerts/)).value, /— silenced in Alertmanager/);
      // The silence ends: Alertmanager notifies the alert again, and it is checked early: 15 s after
      // the last check (each check reads the whole list), not the whole interval.
      am.holds.set(fp('d-1'), 'active');
      await send(['d-1']);
      await clock.advanceAsync(14_000);
      await t.app.alerts.idle();
      assert.equal((await field(/^Status/)).value, 'Silenced');
      await clock.advanceAsync(1000);
      await t.app.alerts.idle();
      assert.equal((await field(/^Status/)).value, 'Firing');
      assert.doesNotMatch((await field(/^Alerts/)).value, /in Alertmanager/);
      const marks = await t.app.database.db
        .selectFrom('alertEvents')
        .select('kind')
        .where('actor', '=', RECONCILED_BY)
        .where('alertId', 'is not', null)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        marks.map((e) => e.kind),
        ['inhibited', 'silenced', 'unmuted'],
      );
    });

    it('concludes nothing from an Alertmanager that just restarted, nor from one that fails', async () => {
      am.started = new Date(clock.nowMs() - 30_000).toISOString();
      am.holds.clear();
      await minutes(1);
      assert.equal(await alertsTitle(), 'Alerts (1 firing, 1 resolved)');
      am.started = new Date(NOW - 3_600_000).toISOString();
      am.failing = true;
      await minutes(2);
      assert.equal(await alertsTitle(), 'Alerts (1 firing, 1 resolved)');
    });

    it('once Alertmanager holds none, the group resolves and its events say who ended it', async () => {
      am.failing = false;
      await minutes(1);
      const resolved = await card();
      assert.equal(resolved.card!.color, 'good');
      const events = await t.app.database.db
        .selectFrom('alertEvents')
        .select(['kind', 'actor', 'detail'])
        .where('kind', '=', 'resolved.reconciled')
        .execute();
      assert.equal(events.length, 2);
      assert.ok(events.every((e) => e.actor === RECONCILED_BY));
      assert.deepEqual(JSON.parse(events[1]!.detail).asked, [am.url.replace(/\/$/, '')]);
      const stored = await t.app.database.db.selectFrom('alerts').select(['status', 'resolvedBy']).execute();
      assert.deepEqual(stored, [
        { status: 'resolved', resolvedBy: RECONCILED_BY },
        { status: 'resolved', resolvedBy: RECONCILED_BY },
      ]);
    });

    it('an externalURL nothing answers at: asks the address the body came from, on the same port', async () => {
      const other = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'alertmanager', room: 'alerts' });
      const port = new URL(am.url).port;
      // Its own host name, say, that only its machine resolves; here an address nothing listens on.
      const external = `http://127.0.0.2:${port}/`;
      am.holds = new Map([[fp('f-1'), 'active']]);
      await send(['f-1'], other.integration, external, { address: '::ffff:127.0.0.1' });
      const task = await t.app.database.db
        .selectFrom('scheduledTasks')
        .select('payload')
        .where('key', '=', `reconcile:${other.integration.id}`)
        .executeTakeFirstOrThrow();
      assert.deepEqual(Object.keys(JSON.parse(task.payload).fallbacks), [`http://127.0.0.1:${port}`]);
      const status = async () =>
        (
          await t.app.database.db
            .selectFrom('alerts')
            .select('status')
            .where('integrationId', '=', other.integration.id)
            .executeTakeFirstOrThrow()
        ).status;
      const asked = am.asked;
      await minutes(1);
      assert.ok(am.asked > asked, 'the sender’s address was asked');
      assert.equal(await status(), 'firing');
      am.holds.clear();
      await minutes(1);
      assert.equal(await status(), 'resolved', 'its answer counts: the alert it no longer holds ended');
      // Through the hook, the address is the connection's peer.
      const third = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'alertmanager', room: 'alerts' });
      const res = await t.request({
        method: 'POST',
        url: `/hooks/alertmanager/${third.token}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({
          version: '4',
          status: 'firing',
          receiver: 'opsroom',
          externalURL: `http://am-host.example:${port}/`,
          groupLabels: {},
          commonLabels: {},
          commonAnnotations: {},
          groupKey: '{}:{}',
          truncatedAlerts: 0,
          alerts: [
            { status: 'firing', labels: labels('f-2'), annotations: {}, startsAt: '2026-05-01T09:55:00Z' },
          ],
        }),
      });
      assert.equal(res.statusCode, 200, res.body);
      const stored = await t.app.database.db
        .selectFrom('scheduledTasks')
        .select('payload')
        .where('key', '=', `reconcile:${third.integration.id}`)
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(stored.payload).fallbacks, { [`http://127.0.0.1:${port}`]: clock.nowMs() });
    });

    it('asks at alerts.reconcile.api_urls an Alertmanager whose externalURL is mapped there', async () => {
      const other = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'alertmanager', room: 'alerts' });
      await send(['p-1'], other.integration, 'https://am.public.example');
      const task = await t.app.database.db
        .selectFrom('scheduledTasks')
        .select('payload')
        .where('key', '=', `reconcile:${other.integration.id}`)
        .executeTakeFirstOrThrow();
      assert.deepEqual(Object.keys(JSON.parse(task.payload).sources), [am.url.replace(/\/$/, '')]);
    });
  });
}
