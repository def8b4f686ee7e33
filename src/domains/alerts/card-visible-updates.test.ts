import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { alertmanagerBody, startAlertsApp } from '../../../test/support/alerts-app.js';
import type { TestApp } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import type { MessageView } from '../chat/schema.js';
import type { Integration } from '../integrations/schema.js';
import type { IngestResult } from './ingest.js';

// Alertmanager re-sends an alert whenever an annotation changes, and rules often fill one in with the
// value at each evaluation. A change the card does not show asks no flush (no reads, no commit on the
// event loop); the change is still stored, and one the card shows updates it in place.

const body = (annotations: Record<string, string>, generatorURL = 'http://prom.example/graph') =>
  alertmanagerBody('DiskFilling', [
    {
      status: 'firing',
      labels: { alertname: 'DiskFilling', instance: 'db-1:9100', severity: 'warning' },
      annotations,
      startsAt: '2026-05-01T09:55:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL,
      fingerprint: '0000000000000000',
    },
  ]);

for (const dialect of DIALECTS) {
  describe(`updates a card does not show (${dialect})`, () => {
    const clock = new FakeClock('2026-05-01T10:00:00Z');
    let t: TestApp;
    let integration: Integration;
    const send = async (payload: object): Promise<IngestResult> => {
      const result = await t.app.alerts.ingestion.ingestBody(
        'alertmanager',
        integration,
        new TextEncoder().encode(JSON.stringify(payload)),
      );
      await t.app.alerts.idle();
      return result;
    };
    const card = async (): Promise<MessageView> => {
      const cards = (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 20 })).filter(
        (m) => m.card?.title.includes('DiskFilling') && m.threadId === null,
      );
      assert.equal(cards.length, 1);
      return cards[0]!;
    };
    const stored = async () =>
      t.app.database.db
        .selectFrom('alerts')
        .select(['annotations', 'generatorUrl'])
        .executeTakeFirstOrThrow();

    before(async () => {
      ({ t, integration } = await startAlertsApp(dialect, {
        clock,
        config: { alerts: { route: { group_wait: '0s', group_interval: '1s' } } },
      }));
    });
    after(() => t.dispose());

    it('a new value annotation is stored but asks no flush; a new summary or link updates the card', async () => {
      const first = await send(body({ summary: 'disk filling', value: '90' }));
      assert.equal(first.groups.length, 1);
      const posted = await card();
      assert.match(posted.card!.text ?? '', /disk filling/);

      const quiet = await send(body({ summary: 'disk filling', value: '91' }));
      assert.equal(quiet.updated, 1);
      assert.deepEqual(quiet.groups, [], 'no flush for an annotation the card does not show');
      assert.equal(JSON.parse((await stored()).annotations).value, '91');

      const shown = await send(body({ summary: 'disk nearly full', value: '92' }));
      assert.deepEqual(shown.groups, first.groups);
      const edited = await card();
      assert.equal(edited.id, posted.id);
      assert.match(edited.card!.text ?? '', /disk nearly full/);

      const linked = await send(
        body({ summary: 'disk nearly full', value: '93' }, 'http://prom.example/other'),
      );
      assert.deepEqual(linked.groups, first.groups);
      assert.match(JSON.stringify((await card()).card!.fields), /prom\.example\/other/);

      const runbook = await send(
        body(
          { summary: 'disk nearly full', value: '94', runbook_url: 'https://runbooks.example/disk' },
          'http://prom.example/other',
        ),
      );
      assert.deepEqual(runbook.groups, first.groups);
      assert.ok((await card()).card!.buttons!.some((b) => b.label === 'Runbook'));
    });
  });
}
