import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAlertsApp } from '../../../test/support/alerts-app.js';
import type { TestApp } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import type { MessageView } from '../chat/schema.js';
import type { Integration } from '../integrations/schema.js';
import type { IncomingAlert } from './schema.js';

// One firing alert per (integration, fingerprint), as Alertmanager keeps it: an HA pair whose client
// sent no start time (amtool, curl) stamps two starts on one alert. Seen with two Alertmanager 0.25:
// the card said "2 firing" and listed the one alert twice.

for (const dialect of DIALECTS) {
  describe(`one open alert per fingerprint (${dialect})`, () => {
    let t: TestApp;
    let integration: Integration;
    const send = async (alerts: IncomingAlert[]) => {
      const result = await t.app.alerts.ingestion.ingest(integration, alerts);
      await t.app.alerts.idle();
      return result;
    };
    const card = async (name: string): Promise<MessageView> => {
      const found = (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 100 })).filter(
        (m) => m.threadId === null && m.card?.title.includes(` ${name}`),
      );
      assert.equal(found.length, 1, `one card for ${name}`);
      return found[0]!;
    };
    const alertsField = (m: MessageView) => m.card!.fields!.find((f) => f.title.startsWith('Alerts'))!.title;
    const alert = (
      name: string,
      startsAt: string,
      status: 'firing' | 'resolved' = 'firing',
      endsAt?: string,
    ): IncomingAlert => ({
      labels: { alertname: name, instance: 'a' },
      status,
      startsAt,
      ...(endsAt ? { endsAt } : {}),
    });

    before(async () => {
      ({ t, integration } = await startAlertsApp(dialect, {
        config: { alerts: { route: { group_by: ['alertname'], group_wait: '0s' } } },
      }));
    });
    after(() => t.dispose());

    it('the HA twin with its own start is the same alert; either half resolves it', async () => {
      await send([alert('Twin', '2026-04-01T10:00:00.010Z')]);
      const twin = await send([alert('Twin', '2026-04-01T10:00:00.013Z')]);
      assert.equal(twin.created, 0);
      assert.match((await card('Twin')).card!.title, /· 1 firing$/);
      assert.equal(alertsField(await card('Twin')), 'Alerts (1 firing, 0 resolved)');

      const resolved = await send([
        alert('Twin', '2026-04-01T10:00:00.013Z', 'resolved', '2026-04-01T10:05:00Z'),
      ]);
      assert.equal(resolved.resolved, 1);
      await send([alert('Twin', '2026-04-01T10:00:00.010Z', 'resolved', '2026-04-01T10:05:00Z')]);
      const done = await card('Twin');
      assert.equal(done.card!.color, 'good');
      assert.equal(alertsField(done), 'Alerts (0 firing, 1 resolved)');
    });

    it("a resolve of an earlier firing leaves the open one firing; a later start is a new alert once it's resolved", async () => {
      await send([alert('Again', '2026-04-01T11:00:00Z')]);
      // Late: the firing that ended at 10:30 (before this one started).
      const late = await send([alert('Again', '2026-04-01T10:00:00Z', 'resolved', '2026-04-01T10:30:00Z')]);
      assert.equal(late.resolved, 0);
      assert.match((await card('Again')).card!.title, /· 1 firing$/);
      await send([alert('Again', '2026-04-01T11:00:00Z', 'resolved', '2026-04-01T11:10:00Z')]);
      const next = await send([alert('Again', '2026-04-01T12:00:00Z')]);
      assert.equal(next.created, 1, 'nothing open: a new firing');
    });
  });
}
