import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAlertsApp } from '../../../test/support/alerts-app.js';
import type { TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import type { MessageView } from '../chat/schema.js';
import type { Integration } from '../integrations/schema.js';
import { TRUNCATED_ANNOTATION } from './card.js';
import { parseAlertmanager, parseGrafana } from './parse-payloads.js';

// Alertmanager's `max_alerts` (webhook_configs): a group of 5 is sent as 2 alerts and
// `truncatedAlerts: 3`. Opsroom hears of 2 alerts only; its card must still count 5 firing.

const STARTS = '2026-05-01T10:00:00Z';
const alert = (instance: string, status: 'firing' | 'resolved' = 'firing') => ({
  status,
  labels: { alertname: 'Truncated', instance, severity: 'critical' },
  annotations: { summary: 'disk full' },
  startsAt: STARTS,
  endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-05-01T10:05:00Z',
  generatorURL: '',
  fingerprint: '0000000000000000',
});
const body = (truncatedAlerts: number, status: 'firing' | 'resolved' = 'firing') => ({
  receiver: 'opsroom',
  status,
  alerts: [alert('t-1:9100', status), alert('t-2:9100', status)],
  groupLabels: { alertname: 'Truncated' },
  commonLabels: { alertname: 'Truncated', severity: 'critical' },
  commonAnnotations: { summary: 'disk full' },
  externalURL: 'http://am.example',
  version: '4',
  groupKey: '{}:{alertname="Truncated"}',
  truncatedAlerts,
});

describe('truncatedAlerts (max_alerts)', () => {
  it('each alert of a truncated body carries the count; an untruncated body is left alone', () => {
    const parsed = parseAlertmanager(body(3));
    assert.deepEqual(
      parsed.alerts.map((a) => a.annotations),
      [
        { summary: 'disk full', [TRUNCATED_ANNOTATION]: '3' },
        { summary: 'disk full', [TRUNCATED_ANNOTATION]: '3' },
      ],
    );
    assert.deepEqual(
      parseAlertmanager(body(0)).alerts.map((a) => a.annotations),
      [{ summary: 'disk full' }, { summary: 'disk full' }],
    );
    const { truncatedAlerts: _, ...without } = body(0);
    assert.deepEqual(parseAlertmanager(without).alerts[0]!.annotations, { summary: 'disk full' });
    assert.equal(
      parseGrafana({ ...body(2), version: '1' }).alerts[0]!.annotations?.[TRUNCATED_ANNOTATION],
      '2',
    );
    for (const bad of [-1, 1.5, '3']) {
      assert.throws(() => parseAlertmanager({ ...body(0), truncatedAlerts: bad }), ValidationError);
    }
  });

  describe('the card', () => {
    const clock = new FakeClock('2026-05-01T10:06:00Z');
    let t: TestApp;
    let integration: Integration;
    const send = async (payload: object) => {
      await t.app.alerts.ingestion.ingestBody(
        'alertmanager',
        integration,
        new TextEncoder().encode(JSON.stringify(payload)),
      );
      await t.app.alerts.idle();
    };
    const cards = async (): Promise<MessageView[]> =>
      (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 100 })).filter(
        (m) => m.card?.title.includes('Truncated') && m.threadId === null,
      );
    const alertsField = (m: MessageView) => m.card!.fields!.find((f) => f.title.startsWith('Alerts'))!;

    before(async () => {
      ({ t, integration } = await startAlertsApp('sqlite', {
        clock,
        config: { alerts: { route: { group_by: ['alertname'], group_wait: '0s', repeat_interval: '1h' } } },
      }));
    });
    after(() => t.dispose());

    it('counts the alerts the sender left out, follows a new count, and resolves in place', async () => {
      await send(body(3));
      const [card] = await cards();
      assert.ok(card);
      assert.match(card.card!.title, /· 5 firing$/);
      assert.equal(alertsField(card).title, 'Alerts (5 firing, 0 resolved)');
      assert.match(alertsField(card).value, /… and 3 more the sender did not list/);
      // The reminder counts as the card does.
      await clock.advanceAsync(3_600_000);
      await t.app.alerts.idle();
      const thread = await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', {
        threadId: card.id,
        limit: 20,
      });
      assert.ok(
        thread.some((m) => m.text.startsWith('⏰ Still firing: 5 alerts')),
        JSON.stringify(thread.map((m) => m.text)),
      );

      await send(body(3));
      await send(body(1));
      const [later] = await cards();
      assert.equal((await cards()).length, 1);
      assert.equal(later!.id, card.id);
      assert.match(later!.card!.title, /· 3 firing$/);

      await send(body(1, 'resolved'));
      const [resolved] = await cards();
      assert.equal(resolved!.id, card.id);
      assert.equal(resolved!.card!.color, 'good');
      assert.equal(alertsField(resolved!).title, 'Alerts (0 firing, 2 resolved)');
      assert.equal(resolved!.card!.title.endsWith('firing'), false, resolved!.card!.title);
      const value = resolved!.card!.fields!.find((f) => f.title.startsWith('Alerts'))!.value;
      assert.match(value, /… and 1 more the sender did not list \(max_alerts\): if any still fire/);
    });
  });
});
