import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { fingerprint } from './fingerprint.js';
import { KnownAlerts, KnownAlertsOverlay } from './known-alerts.js';

describe('known alerts (the in-memory index on SQLite)', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp('sqlite', { config: { alerts: { route: { group_wait: '0s' } } } });
    await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
  });
  after(() => t.dispose());

  it('is rebuilt from the database at start: firing alerts and recent ones', async () => {
    const { integration } = await t.app.integrations.create(SYSTEM_ACTOR, {
      kind: 'alertmanager',
      room: 'alerts',
    });
    const labels = { alertname: 'Loaded', instance: 'a' };
    await t.app.alerts.ingestion.ingest(integration, [
      { labels, status: 'firing', startsAt: '2026-01-01T00:00:00Z' },
    ]);
    const known = new KnownAlerts();
    await known.load(t.app.database.db, '1970-01-01T00:00:00Z');
    const view = known.view(integration.id, new KnownAlertsOverlay());
    assert.equal(view.exact(fingerprint(labels), '2026-01-01T00:00:00.000Z')?.status, 'firing');
    assert.equal(view.open(fingerprint(labels))?.status, 'firing');
    assert.equal(view.exact(fingerprint(labels), '2026-01-02T00:00:00.000Z'), undefined);
  });

  it('a view that looks the same fingerprint up again sees what the overlay or the index learnt in between', () => {
    const known = new KnownAlerts();
    const overlay = new KnownAlertsOverlay();
    const alert = (id: number, fingerprint: string, startsAt: string, status: string) => ({
      id,
      fingerprint,
      startsAt,
      status,
      annotations: '{}',
      generatorUrl: null,
    });
    overlay.set('int', alert(1, 'other', 's0', 'firing'));
    const view = known.view('int', overlay);
    assert.equal(view.exact('f', 's1'), undefined);
    assert.equal(view.open('f'), undefined);
    overlay.set('int', alert(2, 'f', 's1', 'firing'));
    assert.equal(view.exact('f', 's1')?.id, 2, 'the overlay changed');
    assert.equal(view.open('f')?.id, 2);
    assert.equal(view.exact('g', 's1'), undefined);
    known.remember('int', alert(3, 'g', 's1', 'firing'));
    const fresh = known.view('int', overlay);
    assert.equal(fresh.exact('g', 's1')?.id, 3);
    known.remember('int', alert(3, 'g', 's1', 'resolved'));
    assert.equal(fresh.open('g'), undefined, 'the index changed');
    assert.equal(fresh.exact('g', 's1')?.status, 'resolved');
  });

  it('an overlay is seen by its own transaction and kept only when committed', () => {
    const known = new KnownAlerts();
    const overlay = new KnownAlertsOverlay();
    const alert = {
      id: 1,
      fingerprint: 'f',
      startsAt: 's',
      status: 'firing',
      annotations: '{}',
      generatorUrl: null,
    };
    overlay.set('int', alert);
    assert.equal(known.view('int', overlay).open('f')?.id, 1);
    assert.equal(known.view('int', new KnownAlertsOverlay()).open('f'), undefined, 'not committed');
    known.commit(overlay);
    assert.equal(known.view('int', new KnownAlertsOverlay()).open('f')?.id, 1);
    known.markResolved([{ integrationId: 'int', fingerprint: 'f', startsAt: 's' }]);
    assert.equal(known.view('int', new KnownAlertsOverlay()).open('f'), undefined);
    assert.equal(known.view('int', new KnownAlertsOverlay()).exact('f', 's')?.status, 'resolved');
  });

  it('a generic alert resolved by hand fires anew when sent again', async () => {
    const { integration } = await t.app.integrations.create(SYSTEM_ACTOR, {
      kind: 'generic',
      room: 'alerts',
    });
    const alert = { labels: { alertname: 'Backup' }, status: 'firing' as const, dedupKey: 'backup' };
    assert.equal((await t.app.alerts.ingestion.ingest(integration, [alert])).created, 1);
    await t.app.alerts.idle();
    const [group] = await t.app.alerts.service.list(SYSTEM_ACTOR, { alertname: 'Backup' });
    await t.app.alerts.service.resolve(SYSTEM_ACTOR, group!.id);
    await t.app.alerts.idle();
    assert.equal((await t.app.alerts.ingestion.ingest(integration, [alert])).created, 1);
  });

  it('repeats are answered without a write; a repeat batched behind a change still sees the change', async () => {
    const { integration } = await t.app.integrations.create(SYSTEM_ACTOR, {
      kind: 'alertmanager',
      room: 'alerts',
    });
    const at = (value: string) => ({
      labels: { alertname: 'Batched', instance: 'a' },
      annotations: { value },
      status: 'firing' as const,
      startsAt: '2026-01-01T00:00:00Z',
    });
    const ingest = (value: string) => t.app.alerts.ingestion.ingest(integration, [at(value)]);
    assert.equal((await ingest('1')).created, 1);
    await t.app.alerts.idle();
    const events = async () =>
      (await t.app.database.db.selectFrom('alertEvents').select('id').execute()).length;
    const before = await events();
    // Concurrent deliveries share one drain: all repeats, so nothing is written.
    const repeats = await Promise.all([ingest('1'), ingest('1'), ingest('1')]);
    assert.deepEqual(
      repeats.map((r) => [r.unchanged, r.updated, r.groups.length]),
      [
        [1, 0, 0],
        [1, 0, 0],
        [1, 0, 0],
      ],
    );
    assert.equal(await events(), before);
    // A change, then the old value again, in one batch: applied in order, each seeing the one before.
    const [change, back] = await Promise.all([ingest('2'), ingest('1')]);
    assert.equal(change.updated, 1);
    assert.equal(back.updated, 1, 'the old value is a change after the new one');
    const stored = await t.app.database.db
      .selectFrom('alerts')
      .select('annotations')
      .where('alertname', '=', 'Batched')
      .executeTakeFirstOrThrow();
    assert.equal(stored.annotations, '{"value":"1"}');
  });
});
