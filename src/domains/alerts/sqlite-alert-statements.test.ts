import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase } from '../../../test/support/databases.js';
import { groupTotals, shownAlerts } from './group-queries.js';
import type { Prepared } from './ingest-prepare.js';
import { type GroupRow, SqliteAlertStatements } from './sqlite-alert-statements.js';

const alert = (fingerprint: string): Prepared => ({
  labels: { alertname: 'Disk' },
  labelsJson: '{"alertname":"Disk"}',
  annotationsJson: '{}',
  fingerprint,
  alertname: 'Disk',
  severity: 'warning',
  status: 'firing',
  startsAt: '2026-01-01T00:00:00.000Z',
  endsAt: null,
  generatorUrl: null,
  senderGroupBy: undefined,
});

/** The alerts row insertAlerts stores for `p` (new, inserted at `now`). */
const storedRow = (id: number, integrationId: string, p: Prepared, now: string) => ({
  id,
  integrationId,
  fingerprint: p.fingerprint,
  startsAt: p.startsAt,
  alertname: p.alertname,
  severity: p.severity,
  labels: p.labelsJson,
  annotations: p.annotationsJson,
  status: p.status,
  endsAt: p.endsAt,
  generatorUrl: p.generatorUrl,
  muted: null,
  createdAt: now,
  updatedAt: now,
  resolvedAt: p.status === 'resolved' ? now : null,
  resolvedBy: null,
});

/** An open group of alert name Disk, created at `now`. */
const groupRow = (now: string, over: Partial<Omit<GroupRow, 'id'>> = {}): Omit<GroupRow, 'id'> => ({
  groupKey: '{}:{alertname="Disk"}@r',
  openKey: '{}:{alertname="Disk"}@r',
  routeId: 'root',
  roomId: 'r',
  integrationId: 'i1',
  sourceKind: 'alertmanager',
  status: 'firing',
  severity: 'warning',
  alertname: 'Disk',
  labels: '{"alertname":"Disk"}',
  settings: '{}',
  messageId: null,
  notifiedStatus: null,
  cardHash: null,
  ackedBy: null,
  ackedAt: null,
  mutedUntilResolved: 0,
  flapping: 0,
  createdAt: now,
  updatedAt: now,
  lastNoticeAt: null,
  resolvedAt: null,
  ...over,
});

describe('SqliteAlertStatements', () => {
  it('many rows at once (multi-row statements and the rest one by one): each id is its own alert’s', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const statements = new SqliteAlertStatements(database.sqlite!);
      const now = '2026-01-01T00:00:01.000Z';
      // Rows already there, so ids do not start at 1.
      await database.db
        .transaction()
        .execute(async () => statements.insertAlerts('i1', [alert('x'), alert('y')], now));
      const list = Array.from({ length: 61 }, (_, i) => alert(`f${i}`));
      const ids = await database.db
        .transaction()
        .execute(async () => statements.insertAlerts('i1', list, now));
      const rows = await database.db.selectFrom('alerts').select(['id', 'fingerprint']).execute();
      const byId = new Map(rows.map((r) => [r.id, r.fingerprint]));
      assert.equal(rows.length, 63);
      assert.deepEqual(
        ids.map((id) => byId.get(id!)),
        list.map((p) => p.fingerprint),
      );
      // Every column, in a multi-row statement and alone: the integration and time bound once per
      // statement land on every row, a resolved arrival gets its end and resolve time.
      const ended: Prepared = {
        ...alert('ended'),
        status: 'resolved',
        endsAt: '2026-01-01T00:00:00.500Z',
        annotationsJson: '{"summary":"s"}',
        generatorUrl: 'http://prometheus.example/graph',
        severity: 'critical',
      };
      const later = '2026-01-01T00:00:02.000Z';
      const mixed = [...Array.from({ length: 25 }, (_, i) => alert(`m${i}`)), ended];
      mixed[24] = ended;
      mixed[25] = { ...ended, fingerprint: 'ended-alone' };
      const mixedIds = await database.db
        .transaction()
        .execute(async () => statements.insertAlerts('i2', mixed, later));
      for (const at of [24, 25, 0]) {
        const row = await database.db
          .selectFrom('alerts')
          .selectAll()
          .where('id', '=', mixedIds[at]!)
          .executeTakeFirstOrThrow();
        assert.deepEqual(row, storedRow(mixedIds[at]!, 'i2', mixed[at]!, later));
      }
      await database.db.deleteFrom('alerts').where('integrationId', '=', 'i2').execute();
      const groupId = statements.insertGroup(groupRow(now, { groupKey: 'k', openKey: 'k', labels: '{}' }));
      statements.insertMemberships(ids.map((alertId) => ({ groupId, alertId: alertId! })));
      // Again: ON CONFLICT keeps one membership per alert.
      statements.insertMemberships(ids.map((alertId) => ({ groupId, alertId: alertId! })));
      const members = await database.db.selectFrom('alertGroupAlerts').select('alertId').execute();
      assert.deepEqual(
        members.map((m) => m.alertId).sort((a, b) => a - b),
        [...ids].sort((a, b) => a! - b!),
      );
    } finally {
      await database.dispose();
    }
  });

  it('binds the columns a run of 25 shares once: every row stores its own values, shared or not', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const statements = new SqliteAlertStatements(database.sqlite!);
      const now = '2026-01-01T00:00:03.000Z';
      const base = (n: number): Prepared => ({
        ...alert(`r${n}`),
        labelsJson: `{"alertname":"Disk","n":"${n}"}`,
        annotationsJson: `{"summary":"disk ${n}"}`,
        generatorUrl: 'http://prometheus.example/graph',
      });
      // Each run of 25 is the same in every shareable column but one, which one row changes; the
      // first run shares them all, the last shares none; three rows are left over (one by one).
      const changes: ((p: Prepared) => Prepared)[] = [
        (p) => p,
        (p) => ({ ...p, startsAt: '2026-01-01T00:00:00.250Z' }),
        (p) => ({ ...p, alertname: 'Other' }),
        (p) => ({ ...p, severity: 'critical' }),
        (p) => ({ ...p, status: 'resolved', endsAt: '2026-01-01T00:00:00.900Z' }),
        (p) => ({ ...p, endsAt: '2026-01-01T00:09:00.000Z' }),
        (p) => ({ ...p, generatorUrl: null }),
      ];
      const list: Prepared[] = [];
      for (const change of changes) {
        for (let j = 0; j < 25; j++) list.push(j === 7 ? change(base(list.length)) : base(list.length));
      }
      for (let j = 0; j < 25; j++) {
        const p = base(list.length);
        list.push({
          ...p,
          startsAt: `2026-01-01T00:00:${String(j).padStart(2, '0')}.000Z`,
          alertname: `A${j}`,
          severity: j % 2 ? 'critical' : 'info',
          status: j % 3 ? 'firing' : 'resolved',
          endsAt: j % 3 ? null : '2026-01-01T00:10:00.000Z',
          generatorUrl: j % 4 ? `http://p/${j}` : null,
        });
      }
      for (let j = 0; j < 3; j++) list.push({ ...base(list.length), severity: `s${j}` });
      const ids = await database.db
        .transaction()
        .execute(async () => statements.insertAlerts('i3', list, now));
      const rows = new Map(
        (await database.db.selectFrom('alerts').selectAll().execute()).map((r) => [r.id, r] as const),
      );
      assert.equal(rows.size, list.length);
      list.forEach((p, at) => {
        assert.deepEqual(rows.get(ids[at]!), storedRow(ids[at]!, 'i3', p, now));
      });
    } finally {
      await database.dispose();
    }
  });

  it('writes inside the Kysely transaction it is called in: rolled back with it, committed with it', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const statements = new SqliteAlertStatements(database.sqlite!);
      const now = '2026-01-01T00:00:01.000Z';
      const count = async () => (await database.db.selectFrom('alerts').select('id').execute()).length;
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await trx.selectFrom('alerts').select('id').execute();
          statements.insertAlerts('i1', [alert('a'), alert('b')], now);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal(await count(), 0);

      const ids = await database.db
        .transaction()
        .execute(async () => statements.insertAlerts('i1', [alert('a'), alert('b')], now));
      // One id per alert given, in order.
      assert.equal(ids.length, 2);
      assert.ok(ids.every((id) => typeof id === 'number'));
      assert.notEqual(ids[0], ids[1]);
      assert.equal(await count(), 2);
      // The identity check is KnownAlerts' (no unique index on SQLite): a stored row is found by it.
      const a = alert('a');
      assert.equal(statements.storedAlert('i1', a.startsAt!, a.fingerprint)?.id, ids[0]);
      assert.equal(statements.storedAlert('i2', a.startsAt!, a.fingerprint), undefined);
      assert.equal(statements.storedAlert('i1', '2000-01-01T00:00:00.000Z', a.fingerprint), undefined);

      statements.applyChanges(
        [{ id: ids[0]!, p: { ...alert('a'), endsAt: now } }],
        [{ id: ids[1]!, p: { ...alert('b'), annotationsJson: '{"x":"1"}' } }],
        now,
      );
      const rows = await database.db
        .selectFrom('alerts')
        .select(['fingerprint', 'status', 'annotations', 'endsAt'])
        .orderBy('fingerprint')
        .execute();
      assert.deepEqual(rows, [
        { fingerprint: 'a', status: 'resolved', annotations: '{}', endsAt: now },
        { fingerprint: 'b', status: 'firing', annotations: '{"x":"1"}', endsAt: null },
      ]);
    } finally {
      await database.dispose();
    }
  });

  it('reads a group for its card as the Kysely queries do: the group, its counts, firing alerts first', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const statements = new SqliteAlertStatements(database.sqlite!);
      const now = '2026-01-01T00:00:01.000Z';
      const groupId = statements.insertGroup(groupRow(now));
      const fps = Array.from({ length: 14 }, (_, i) => `f${String(i).padStart(2, '0')}`);
      const ids = statements.insertAlerts('i1', fps.map(alert), now) as number[];
      statements.insertMemberships(ids.map((alertId) => ({ groupId, alertId })));
      // Resolved ones among the first: the card still lists the firing ones first.
      statements.applyChanges(
        [0, 2, 3].map((i) => ({ id: ids[i]!, p: { ...alert(fps[i]!), endsAt: now } })),
        [],
        now,
      );
      const kyselyGroup = await database.db
        .selectFrom('alertGroups')
        .selectAll()
        .where('id', '=', groupId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(statements.group(groupId), kyselyGroup);
      const fromKysely = await shownAlerts(database.db, groupId);
      assert.deepEqual(statements.shownAlerts(groupId, 11), fromKysely);
      assert.equal(fromKysely.length, 11);
      assert.ok(fromKysely.every((a) => a.status === 'firing'));
      // Fewer firing than the limit: the resolved ones follow, by id.
      const few = statements.shownAlerts(groupId, 13);
      assert.deepEqual(
        few.map((a) => a.status),
        [...Array(11).fill('firing'), 'resolved', 'resolved'],
      );
      assert.deepEqual(
        few.slice(11).map((a) => a.id),
        [ids[0], ids[2]],
      );
      const totals = await groupTotals(database.db, groupId);
      assert.deepEqual(
        statements.groupTotals(groupId).reduce((n, r) => n + Number(r.n), 0),
        totals.firing + totals.resolved,
      );
      assert.equal(totals.resolved, 3);

      statements.updateGroup(groupId, { status: 'resolved', openKey: null });
      const after = statements.group(groupId)!;
      assert.equal(after.status, 'resolved');
      assert.equal(after.openKey, null);
      assert.throws(() => statements.updateGroup(groupId, { nope: 1 } as never), /not a group column/);
    } finally {
      await database.dispose();
    }
  });
});
