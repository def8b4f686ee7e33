import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startAlertsApp } from '../../../test/support/alerts-app.js';
import type { TestApp } from '../../../test/support/app.js';
import { AlertmanagerApi } from '../../../test/support/fake-alertmanager-api.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import type { Integration } from '../integrations/schema.js';
import { fingerprint } from './fingerprint.js';

// alerts.reconcile.auth: an Alertmanager behind basic auth (its --web.config.file) is asked with the
// credentials the configuration names, secrets by reference.

const NOW = Date.parse('2026-05-01T10:00:00Z');

describe('reconciling with an Alertmanager behind basic auth (alerts.reconcile.auth)', () => {
  const clock = new FakeClock(new Date(NOW).toISOString());
  const am = new AlertmanagerApi(NOW);
  const logged: string[] = [];
  let t: TestApp;
  let integration: Integration;
  const labels = (instance: string) => ({ alertname: 'Guarded', instance, severity: 'warning' });
  const minute = async () => {
    await clock.advanceAsync(60_000);
    await t.app.alerts.idle();
  };
  const send = async (instance: string) => {
    const body = {
      receiver: 'opsroom',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: labels(instance),
          annotations: {},
          startsAt: '2026-05-01T09:55:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
          fingerprint: fingerprint(labels(instance)),
        },
      ],
      groupLabels: { alertname: 'Guarded' },
      commonLabels: labels(instance),
      commonAnnotations: {},
      externalURL: am.url,
      version: '4',
      groupKey: '{}:{alertname="Guarded"}',
      truncatedAlerts: 0,
    };
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    await t.app.alerts.ingestion.ingestBody('alertmanager', integration, bytes);
    await t.app.alerts.idle();
  };
  const statusOf = async (instance: string) =>
    (
      await t.app.database.db
        .selectFrom('alerts')
        .select('status')
        .where('fingerprint', '=', fingerprint(labels(instance)))
        .executeTakeFirstOrThrow()
    ).status;

  before(async () => {
    await am.listen();
    am.requires = `Basic ${Buffer.from('opsroom:s3cret-pw').toString('base64')}`;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    ({ t, integration } = await startAlertsApp('sqlite', {
      clock,
      logger: pino({ level: 'error' }, sink),
      config: {
        alerts: {
          route: { group_by: ['alertname'], group_wait: '0s' },
          reconcile: {
            enabled: true,
            interval: '1m',
            min_uptime: '2m',
            auth: { [am.url]: { basic_auth: { username: 'opsroom', password: '{{ secret.AM_PASSWORD }}' } } },
          },
        },
      },
    }));
  });
  after(async () => {
    await t.dispose();
    am.server.close();
  });

  it('sends nothing it cannot: an unset secret is logged by name; once set, its Authorization header', async () => {
    am.holds = new Map([[fingerprint(labels('g-1')), 'active']]);
    await send('g-1');
    await minute();
    assert.equal(am.asked, 0, 'without its secret nothing is sent');
    assert.ok(
      logged.some((line) => line.includes("unknown secret 'AM_PASSWORD'")),
      logged.join('\n'),
    );
    await t.app.secrets.set(SYSTEM_ACTOR, 'AM_PASSWORD', 's3cret-pw');
    am.holds.clear();
    await minute();
    assert.ok(am.asked >= 2, 'status and alerts were asked');
    assert.ok(am.sent.every((h) => h === am.requires));
    assert.equal(await statusOf('g-1'), 'resolved');
    assert.ok(!logged.join('').includes('s3cret-pw'), 'the password is never logged');
  });

  it('an Alertmanager that refuses the credentials concludes nothing, and is logged once', async () => {
    am.holds = new Map([[fingerprint(labels('g-2')), 'active']]);
    await send('g-2');
    am.requires = `Basic ${Buffer.from('opsroom:rotated').toString('base64')}`;
    am.holds.clear();
    const before = logged.length;
    const asked = am.asked;
    await minute();
    await minute();
    assert.ok(am.asked > asked, 'it was asked');
    assert.equal(await statusOf('g-2'), 'firing', 'a refusal is no answer: nothing ends');
    const refusals = logged.slice(before).filter((line) => line.includes('401'));
    assert.equal(refusals.length, 1, logged.slice(before).join('\n'));
  });
});
