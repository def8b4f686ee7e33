import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { alertmanagerBody, startAlertsApp } from '../../../test/support/alerts-app.js';
import type { TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import type { MessageView } from '../chat/schema.js';
import type { Integration } from '../integrations/schema.js';
import { FirstReads, type PackedFirstRead } from './first-reads.js';

// A new group's first flush takes what the ingest wrote instead of reading it back (first-reads.ts).
// It must render the very card a flush reading the database renders, and give way to the database
// as soon as anything else changed the group.

/** A first read of group `id` (its first column), nothing else in it. */
const read = (id: number): PackedFirstRead => ({ group: [id], totals: [], shown: [] });

describe('FirstReads', () => {
  it('hands a group its read once, and counts it', () => {
    const reads = new FirstReads();
    reads.note([1, 2], [read(1), read(2)]);
    assert.equal(reads.take(1)?.group.id, 1);
    assert.equal(reads.take(1), undefined);
    assert.equal(reads.taken, 1);
    assert.equal(reads.size, 1);
  });

  it('drops a read when a later delivery touches the group, or the main thread changes it', () => {
    const reads = new FirstReads();
    reads.note([1, 2, 3], [read(1), read(2), read(3)]);
    reads.note([1, 9], []);
    reads.drop([2]);
    assert.equal(reads.take(1), undefined);
    assert.equal(reads.take(2), undefined);
    assert.equal(reads.take(3)?.group.id, 3);
  });

  it('keeps at most 2,000 (the oldest go first)', () => {
    const reads = new FirstReads();
    for (let id = 1; id <= 2001; id++) reads.note([id], [read(id)]);
    assert.equal(reads.size, 2000);
    assert.equal(reads.take(1), undefined);
    assert.equal(reads.take(2001)?.group.id, 2001);
  });
});

const alert = (instance: string, status: 'firing' | 'resolved', severity = 'warning') => ({
  status,
  labels: { alertname: 'DiskFilling', instance, severity },
  annotations: { summary: `Disk on ${instance} is filling up`, runbook_url: 'https://runbooks.example/disk' },
  startsAt: `2026-05-01T09:${instance.slice(-2)}:00Z`,
  endsAt: status === 'resolved' ? '2026-05-01T09:59:00Z' : '0001-01-01T00:00:00Z',
  generatorURL: `http://prom.example/graph?i=${instance}`,
  fingerprint: '0000000000000000',
});

/** 14 alerts: more than a card lists, the resolved ones between the firing ones, two severities. */
const storm = Array.from({ length: 14 }, (_, i) =>
  alert(`db-${10 + i}`, i % 5 === 2 ? 'resolved' : 'firing', i === 7 ? 'critical' : 'warning'),
);

for (const ingestThread of [true, false]) {
  describe(`a new group's first card from what the ingest wrote (SQLite, ingest thread: ${ingestThread})`, () => {
    const apps: TestApp[] = [];
    after(() => Promise.all(apps.map((t) => t.dispose())));

    /** An app with group_wait 0; `inhibit`: an inhibit rule that never matches, which makes every flush read. */
    const start = async (inhibit: boolean): Promise<{ t: TestApp; integration: Integration }> => {
      const started = await startAlertsApp('sqlite', {
        clock: new FakeClock('2026-05-01T10:00:00Z'),
        config: {
          alerts: {
            ingest_thread: ingestThread,
            route: { group_wait: '0s', group_interval: '1s' },
            ...(inhibit
              ? { inhibit_rules: [{ source_matchers: ['alertname="Nothing"'], target_matchers: ['x="y"'] }] }
              : {}),
          },
        },
      });
      apps.push(started.t);
      return started;
    };
    const send = (t: TestApp, integration: Integration, alerts: ReturnType<typeof alert>[]) =>
      t.app.alerts.ingestion.ingestBody(
        'alertmanager',
        integration,
        new TextEncoder().encode(JSON.stringify(alertmanagerBody('DiskFilling', alerts))),
      );
    const cards = async (t: TestApp): Promise<MessageView[]> =>
      (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 50 })).filter(
        (m) => m.card !== null && m.threadId === null,
      );

    let taken: TestApp;
    let read: TestApp;
    before(async () => {
      const a = await start(false);
      const b = await start(true);
      taken = a.t;
      read = b.t;
      await send(a.t, a.integration, storm);
      await send(b.t, b.integration, storm);
      await a.t.app.alerts.idle();
      await b.t.app.alerts.idle();
    });

    it('renders the card a flush reading the database renders', async () => {
      assert.equal(taken.app.alerts.firstReads?.taken, 1);
      assert.equal(read.app.alerts.firstReads?.taken, 0);
      const [fromIngest] = await cards(taken);
      const [fromDatabase] = await cards(read);
      assert.ok(fromIngest?.card && fromDatabase?.card);
      assert.deepEqual(fromIngest.card, fromDatabase.card);
      assert.equal(fromIngest.text, fromDatabase.text);
      assert.match(JSON.stringify(fromIngest.card), /db-10/);
    });

    it('stores what a flush that read would store (the group told, its alerts noticed)', async () => {
      const state = (t: TestApp) =>
        Promise.all([
          t.app.database.db
            .selectFrom('alertGroups')
            .select(['status', 'notifiedStatus', 'severity', 'cardHash', 'lastNoticeAt'])
            .execute(),
          t.app.database.db.selectFrom('alertGroupAlerts').select(['alertId', 'noticed']).execute(),
        ]);
      assert.deepEqual(await state(taken), await state(read));
    });

    it('one card with both alerts when a second delivery reaches the new group at once', async () => {
      const { t, integration } = await start(false);
      // Whether the first flush runs before the second delivery is announced (it takes the first read,
      // then the second delivery's flush reads) or after (the second drops it): the same card.
      await Promise.all([
        send(t, integration, [alert('db-41', 'firing')]),
        send(t, integration, [alert('db-42', 'firing')]),
      ]);
      await t.app.alerts.idle();
      const list = await cards(t);
      assert.equal(list.length, 1);
      const json = JSON.stringify(list[0]?.card);
      assert.match(json, /db-41/);
      assert.match(json, /db-42/);
    });
  });
}
