import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { ALERTMANAGER_FIXTURES } from '../../../test/support/fixtures.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { fingerprint } from './fingerprint.js';

const FIXTURES = ALERTMANAGER_FIXTURES;
const firing = readFileSync(`${FIXTURES}/am025-webhook-firing.json`, 'utf8');
const resolved = readFileSync(`${FIXTURES}/am025-webhook-resolved.json`, 'utf8');

for (const dialect of DIALECTS) {
  describe(`alert hooks (${dialect})`, () => {
    let t: TestApp;
    let token: string;

    const post = (path: string, payload: string | Buffer, headers: Record<string, string> = {}) =>
      t.request({
        method: 'POST',
        url: path,
        payload,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const cards = async () => {
      const messages = await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 50 });
      return messages.filter((m) => m.card !== null);
    };
    const count = async (table: 'alerts' | 'alertGroups' | 'alertEvents') =>
      Number(
        (
          await t.app.database.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    before(async () => {
      t = await startTestApp(dialect, {
        config: {
          alerts: {
            route: { group_by: ['alertname', 'service'], group_wait: '0s' },
            inhibit_rules: [
              {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity="warning"'],
                equal: ['service'],
              },
            ],
          },
        },
      });
      await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
      const created = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'alertmanager', room: 'alerts' });
      assert.ok(created.token && created.url.endsWith(`/hooks/alertmanager/${created.token}`));
      token = created.token;
    });
    after(() => t.dispose());

    it('posts one card for a firing group; the duplicate from an HA peer changes nothing', async () => {
      const first = await post(`/hooks/alertmanager/${token}`, firing);
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().created, 1);
      await t.app.alerts.idle();
      const again = await post(`/hooks/alertmanager/${token}`, firing, {
        'user-agent': 'Alertmanager/0.25.0',
      });
      assert.equal(again.json().unchanged, 1);
      await t.app.alerts.idle();
      const list = await cards();
      assert.equal(list.length, 1);
      const card = list[0]!.card!;
      assert.match(card.title, /HighErrorRate/);
      assert.equal(card.color, 'danger');
      assert.deepEqual(
        card.buttons?.map((b) => b.label),
        ['Ack', 'Silence 1h', 'Mute until resolved', 'Runbook'],
      );
      assert.ok(
        card.fields?.some(
          (f) => f.title === 'Runbook' && f.value.includes('https://runbooks.example/high-error-rate'),
        ),
      );
    });

    it('updates the same card in place when the group resolves, and its thread says so', async () => {
      const res = await post(`/hooks/alertmanager/${token}`, resolved);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().resolved, 1);
      await t.app.alerts.idle();
      const list = await cards();
      assert.equal(list.length, 1);
      const card = list[0]!.card!;
      assert.match(card.title, /^✅/);
      assert.equal(card.color, 'good');
      const thread = await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', {
        threadId: list[0]!.id,
        limit: 50,
      });
      assert.ok(
        thread.some((m) => m.text.includes('Resolved')),
        JSON.stringify(thread.map((m) => m.text)),
      );
      const groups = await t.request({ method: 'GET', url: '/api/alerts?status=all', as: t.admin });
      assert.equal(groups.statusCode, 200, groups.body);
      const [group] = groups.json().groups;
      assert.equal(group.status, 'resolved');
      assert.equal(group.alerts.length, 2, 'the inhibited warning joins the group when it resolves');
    });

    it('an HA pair posting the same new alerts at the same moment makes one alert and one card', async () => {
      const body = JSON.parse(firing);
      body.alerts[0].labels = { alertname: 'PairAlert', service: 'pair', severity: 'critical' };
      body.alerts[0].fingerprint = undefined;
      const text = JSON.stringify(body);
      const answers = await Promise.all([
        post(`/hooks/alertmanager/${token}`, text),
        post(`/hooks/alertmanager/${token}`, text),
        post(`/hooks/alertmanager/${token}`, text),
      ]);
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        [200, 200, 200],
      );
      assert.equal(
        answers.reduce((n, a) => n + a.json().created, 0),
        1,
      );
      await t.app.alerts.idle();
      assert.equal((await cards()).filter((m) => m.card!.title.includes('PairAlert')).length, 1);
    });

    it('a changed annotation updates the stored alerts and the card in place', async () => {
      const body = JSON.parse(firing);
      body.alerts[0].labels = { alertname: 'Changing', service: 'x', severity: 'warning' };
      body.alerts.push({ ...body.alerts[0], labels: { ...body.alerts[0].labels, instance: 'b' } });
      assert.equal((await post(`/hooks/alertmanager/${token}`, JSON.stringify(body))).json().created, 2);
      await t.app.alerts.idle();
      for (const a of body.alerts) a.annotations = { summary: 'now at 97%' };
      const res = await post(`/hooks/alertmanager/${token}`, JSON.stringify(body));
      assert.equal(res.json().updated, 2);
      await t.app.alerts.idle();
      const list = (await cards()).filter((m) => m.card!.title.includes('Changing'));
      assert.equal(list.length, 1);
      assert.equal(list[0]!.card!.text, 'now at 97%');
    });

    it('refuses bad input with a coded 4xx and stores nothing', async () => {
      const before = await Promise.all([count('alerts'), count('alertGroups'), count('alertEvents')]);
      const cases: [string | Buffer, number, string, string?][] = [
        ['{"version": "4", "alerts": [', 400, 'E_BAD_JSON'],
        [firing.replace('"version":"4"', '"version":"3"'), 400, 'E_VALIDATION'],
        [
          JSON.stringify({ version: '4', alerts: [{ status: 'firing', startsAt: '2026-01-01T00:00:00Z' }] }),
          400,
          'E_VALIDATION',
        ],
        [JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: {} }] }), 400, 'E_VALIDATION'],
        [
          JSON.stringify({
            version: '4',
            alerts: [
              {
                status: 'firing',
                labels: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`l${i}`, 'v'])),
              },
            ],
          }),
          400,
          'E_VALIDATION',
        ],
        [Buffer.alloc(5 * 1024 * 1024, 32), 413, 'E_PAYLOAD_TOO_LARGE'],
        [firing, 401, 'E_UNAUTHENTICATED', '/hooks/alertmanager/ohk_wrong-token-123'],
        [firing, 401, 'E_UNAUTHENTICATED', `/hooks/grafana/${token}`],
      ];
      for (const [body, status, code, path] of cases) {
        const res = await post(path ?? `/hooks/alertmanager/${token}`, body);
        assert.equal(res.statusCode, status, `${code}: ${res.body.slice(0, 200)}`);
        assert.equal(res.json().error.code, code);
      }
      // A good alert after a bad one in the same delivery: the whole delivery is refused.
      const mixed = JSON.parse(firing);
      mixed.alerts.push({ status: 'firing', labels: { 'bad-name': 'x' } });
      assert.equal((await post(`/hooks/alertmanager/${token}`, JSON.stringify(mixed))).statusCode, 400);
      const afterCounts = await Promise.all([count('alerts'), count('alertGroups'), count('alertEvents')]);
      assert.deepEqual(afterCounts, before);
    });

    it('large deliveries are stored, or refused with the bad alert named, whole', async () => {
      const big = (tweak?: (alert: Record<string, unknown>, i: number) => void) => {
        const body = JSON.parse(firing);
        const [template] = body.alerts;
        body.alerts = Array.from({ length: 300 }, (_, i) => {
          const alert = {
            ...template,
            labels: { ...template.labels, alertname: 'BigDelivery', pod: `p${i}` },
          };
          tweak?.(alert, i);
          return alert;
        });
        return JSON.stringify(body);
      };
      const before = await count('alerts');
      const bad = await post(
        `/hooks/alertmanager/${token}`,
        big((a, i) => {
          if (i === 250) a.labels = { 'bad-name': 'x' };
        }),
      );
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(bad.json().error.code, 'E_VALIDATION');
      assert.match(bad.json().error.message, /alerts\.250\.labels: 'bad-name' is not a label name/);
      assert.equal(await count('alerts'), before);
      const good = await post(`/hooks/alertmanager/${token}`, big());
      assert.equal(good.statusCode, 200, good.body);
      assert.equal(good.json().created, 300);
      assert.equal(await count('alerts'), before + 300);
      await t.app.alerts.idle();
      const card = (await cards()).find((m) => /BigDelivery/.test(m.card!.title));
      assert.match(card!.card!.title, /300 firing/);
    });

    it('accepts the newer variants (notification_reason, routeLabels) and Grafana and generic bodies', async () => {
      const body = JSON.parse(firing);
      body.notification_reason = 'new_alerts';
      body.routeLabels = { team: 'web' };
      body.alerts[0].labels.instance = '10.0.0.9:8080';
      body.alerts[0].startsAt = '2026-11-22T01:00:00Z';
      const res = await post(`/hooks/alertmanager/${token}`, JSON.stringify(body));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().created, 1);

      const grafana = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'grafana', room: 'alerts' });
      const g = { ...JSON.parse(firing), version: '1', orgId: 1, title: 'x', state: 'alerting' };
      g.alerts[0].labels = { alertname: 'GrafanaRule', grafana_folder: 'ops' };
      const gr = await post(`/hooks/grafana/${grafana.token}`, JSON.stringify(g));
      assert.equal(gr.statusCode, 200, gr.body);

      const generic = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'generic', room: 'alerts' });
      const ge = await post(
        `/hooks/generic/${generic.token}`,
        JSON.stringify({
          source: 'cron',
          summary: 'backup failed',
          severity: 'critical',
          dedupKey: 'backup-db1',
        }),
      );
      assert.equal(ge.statusCode, 200, ge.body);
      assert.equal(ge.json().created, 1);
      const again = await post(
        `/hooks/generic/${generic.token}`,
        JSON.stringify({
          source: 'cron',
          summary: 'backup failed',
          severity: 'critical',
          dedupKey: 'backup-db1',
        }),
      );
      assert.equal(again.json().unchanged, 1, 'same dedup key, no startsAt: the open alert continues');
      const done = await post(
        `/hooks/generic/${generic.token}`,
        JSON.stringify({ status: 'resolved', summary: 'backup failed', dedupKey: 'backup-db1' }),
      );
      assert.equal(done.json().resolved, 1);
      await t.app.alerts.idle();
    });

    it('takes the token in an Authorization header instead of the URL: Bearer, or Basic with it as password', async () => {
      const generic = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'generic', room: 'alerts' });
      const body = (key: string) => JSON.stringify({ summary: `header ${key}`, dedupKey: `header-${key}` });
      const bearer = await post('/hooks/generic', body('bearer'), {
        authorization: `Bearer ${generic.token}`,
      });
      assert.equal(bearer.statusCode, 200, bearer.body);
      assert.equal(bearer.json().created, 1);
      const basic = Buffer.from(`alertmanager:${generic.token}`).toString('base64');
      const viaBasic = await post('/hooks/generic', body('basic'), { authorization: `Basic ${basic}` });
      assert.equal(viaBasic.statusCode, 200, viaBasic.body);
      assert.equal(viaBasic.json().created, 1);
      // Wrong kind, wrong token, no header, a scheme it does not know: 401 with a code, nothing stored.
      for (const [path, authorization] of [
        ['/hooks/grafana', `Bearer ${generic.token}`],
        ['/hooks/generic', 'Bearer not-the-token'],
        ['/hooks/generic', undefined],
        ['/hooks/generic', `Token ${generic.token}`],
        ['/hooks/generic', `Basic ${Buffer.from('no-colon').toString('base64')}`],
      ] as const) {
        const res = await post(path, body('refused'), authorization ? { authorization } : {});
        assert.equal(res.statusCode, 401, `${path} ${authorization}: ${res.body}`);
        assert.equal(res.json().error.code, 'E_UNAUTHENTICATED');
      }
      const none = await post('/hooks/generic', body('refused'));
      assert.match(none.json().error.message, /Authorization: Bearer/);
      const stored = async (key: string) =>
        (
          await t.app.database.db
            .selectFrom('alerts')
            .select('id')
            .where('fingerprint', '=', fingerprint({ __dedup_key__: `header-${key}` }))
            .execute()
        ).length;
      assert.equal(await stored('bearer'), 1);
      assert.equal(await stored('refused'), 0);
    });

    it('shows senders’ control characters harmlessly and refuses NUL in labels', async () => {
      const generic = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'generic', room: 'alerts' });
      const res = await post(
        `/hooks/generic/${generic.token}`,
        JSON.stringify({
          labels: { alertname: 'Weird\u001b[31m', host: 'a\nb' },
          summary: 'red \u001b[31m text \u0000 and a\ttab',
          severity: 'critical',
        }),
      );
      assert.equal(res.statusCode, 200, res.body);
      await t.app.alerts.idle();
      const card = (await cards()).find((m) => m.card!.title.includes('Weird'));
      assert.ok(card, 'the card was posted');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none reach the title
      assert.ok(!/[\u0000-\u001f]/.test(card.card!.title));
      const nul = await post(
        `/hooks/generic/${generic.token}`,
        JSON.stringify({ labels: { alertname: 'x\u0000y' } }),
      );
      assert.equal(nul.statusCode, 400);
    });
  });
}
