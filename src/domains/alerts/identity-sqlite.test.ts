import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { type App, buildApp } from '../../app.js';
import { configSchema } from '../../config/schema.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { KnownAlerts, KnownAlertsOverlay, knownAlert } from './known-alerts.js';

// On SQLite the alert identity (integration, fingerprint, startsAt) is checked by the in-memory
// KnownAlerts, not by a unique index (migration 013). These are the cases where it does not hold
// the stored row: after a restart (old resolved alerts are not loaded) and after dropping resolved
// entries. A re-sent alert must still find its row, never be stored twice.
describe('alert identity on SQLite without a unique index', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-identity-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const clock = new FakeClock('2026-03-01T00:00:00.000Z');
  const open = () =>
    buildApp(
      configSchema.parse({
        storage: { dataDir },
        server: { port: 0 },
        alerts: { route: { group_wait: '0s' } },
      }),
      { logger: pino({ level: 'silent' }), clock },
    );
  const rows = async (app: App, alertname: string) =>
    (await app.database.db.selectFrom('alerts').select('id').where('alertname', '=', alertname).execute())
      .length;

  it('an old resolved alert re-sent after a restart keeps its one row', async () => {
    const startsAt = '2026-02-28T23:00:00.000Z';
    const old = { labels: { alertname: 'Old', instance: 'a' }, startsAt };
    let app = await open();
    await app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
    const { integration } = await app.integrations.create(SYSTEM_ACTOR, {
      kind: 'alertmanager',
      room: 'alerts',
    });
    await app.alerts.ingestion.ingest(integration, [{ ...old, status: 'firing' }]);
    const resolved = { ...old, status: 'resolved' as const, endsAt: '2026-02-28T23:30:00.000Z' };
    await app.alerts.ingestion.ingest(integration, [resolved]);
    await app.alerts.idle();
    await app.close();

    // Two days on, the resolved row is older than what a start loads into memory.
    clock.advance(2 * 86_400_000);
    app = await open();
    try {
      const again = await app.alerts.ingestion.ingest(integration, [resolved]);
      assert.deepEqual([again.created, again.unchanged], [0, 1], 'the stored row was found');
      const refiring = await app.alerts.ingestion.ingest(integration, [{ ...old, status: 'firing' }]);
      assert.equal(refiring.created, 0, 'resolved is final for (fingerprint, startsAt)');
      assert.equal(await rows(app, 'Old'), 1);
      // The same start time, other labels: a new alert.
      const other = await app.alerts.ingestion.ingest(integration, [
        { labels: { alertname: 'Old', instance: 'b' }, startsAt, status: 'firing' },
      ]);
      assert.equal(other.created, 1);
      assert.equal(await rows(app, 'Old'), 2);
    } finally {
      await app.close();
    }
  });

  it('the horizon: rows not loaded, or dropped, started at or before it', async () => {
    const app = await open();
    try {
      const known = new KnownAlerts();
      // Loading as if started a day later: the resolved 'Old' row is not loaded, the firing one is.
      await known.load(app.database.db, new Date(clock.nowMs() + 86_400_000).toISOString());
      assert.equal(known.horizon, '2026-02-28T23:00:00.000Z');
      assert.equal(known.mayBeStored('2026-02-28T23:00:00.000Z'), true);
      assert.equal(known.mayBeStored('2026-02-28T23:00:00.001Z'), false);

      const small = new KnownAlerts(2);
      assert.equal(small.horizon, '');
      const overlay = new KnownAlertsOverlay();
      for (const [i, startsAt] of ['2026-01-03T00:00:00.000Z', '2026-01-01T00:00:00.000Z'].entries())
        overlay.set('int', knownAlert(i + 1, `f${i}`, startsAt, 'resolved', '{}', null));
      overlay.set('int', knownAlert(3, 'f9', '2026-01-09T00:00:00.000Z', 'firing', '{}', null));
      small.commit(overlay);
      assert.equal(small.horizon, '', 'nothing dropped yet');
      const more = new KnownAlertsOverlay();
      more.set('int', knownAlert(4, 'f4', '2026-01-02T00:00:00.000Z', 'resolved', '{}', null));
      small.commit(more);
      assert.equal(small.horizon, '2026-01-03T00:00:00.000Z', 'the latest start among the dropped');
      assert.equal(
        small.view('int', new KnownAlertsOverlay()).open('f9')?.id,
        3,
        'firing alerts are never dropped',
      );
    } finally {
      await app.close();
    }
  });
});
