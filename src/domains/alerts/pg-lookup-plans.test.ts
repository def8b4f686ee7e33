import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import {
  exactLookupQuery,
  findExisting,
  groupsOf,
  groupsOfQuery,
  openLookupQuery,
} from './ingest-lookups.js';
import { prepareAlerts } from './ingest-prepare.js';
import { insertAlerts } from './ingest-sql.js';

// PostgreSQL's alert lookups must cost the delivery's size, not the table's: one rule evaluation gives
// all its alerts the same start, and the old lookups then read every stored alert with that start (or
// every firing alert of the integration). Checked with the plan PostgreSQL actually ran, both before
// the table has statistics (autovacuum off, or a table filled faster than it is analysed: the case the
// old query shapes lost) and after ANALYZE.

const START = '2026-11-30T09:00:00.000Z';
const STORED = 5000;
const KEYS = 100;

interface PlanNode {
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows every node of the executed plan produced or threw away, over all its loops. */
function rowsRead(node: PlanNode): number {
  const perLoop =
    node['Actual Rows'] +
    (node['Rows Removed by Filter'] ?? 0) +
    (node['Rows Removed by Index Recheck'] ?? 0);
  return perLoop * node['Actual Loops'] + (node.Plans ?? []).reduce((n, p) => n + rowsRead(p), 0);
}

async function explain(
  t: TestDatabase,
  query: { compile(): { sql: string; parameters: readonly unknown[] } },
): Promise<{ read: number; rows: number }> {
  const compiled = query.compile();
  const result = await t.db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(`explain (analyze, format json) ${compiled.sql}`, [...compiled.parameters]),
  );
  const json = Object.values(result.rows[0]!)[0];
  const [plan] = (typeof json === 'string' ? JSON.parse(json) : json) as { Plan: PlanNode }[];
  return { read: rowsRead(plan!.Plan), rows: plan!.Plan['Actual Rows'] };
}

describe('PostgreSQL alert lookups: index probes per key, whatever the table holds', () => {
  let t: TestDatabase;
  const fp = (i: number) => `fp-${String(i).padStart(6, '0')}`;
  // Every third stored alert is resolved; the keys looked up are spread over the table.
  const keys = Array.from({ length: KEYS }, (_, k) => fp(k * (STORED / KEYS) + 1));

  before(async () => {
    t = await createTestDatabase('postgres');
    await sql`insert into alerts (integration_id, fingerprint, starts_at, alertname, severity, labels,
        annotations, status, created_at, updated_at)
      select 'int-1', 'fp-' || lpad(i::text, 6, '0'), ${START}, 'Disk', 'warning', '{}', '{}',
        case when i % 3 = 0 then 'resolved' else 'firing' end, ${START}, ${START}
      from generate_series(1, ${STORED}::int) i`.execute(t.db);
    // Groups of 100 alerts each (alert i in group ceil(i/100)); every fifth group is closed.
    await sql`insert into alert_groups (group_key, open_key, route_id, room_id, integration_id, source_kind,
        status, severity, alertname, labels, settings, created_at, updated_at)
      select 'k' || g, case when g % 5 = 0 then null else 'k' || g end, 'root', 'room', 'int-1',
        'alertmanager', 'firing', 'warning', 'Disk', '{}', '{}', ${START}, ${START}
      from generate_series(1, ${STORED / 100}::int) g`.execute(t.db);
    await sql`insert into alert_group_alerts (group_id, alert_id)
      select (i + 99) / 100, i from generate_series(1, ${STORED}::int) i`.execute(t.db);
  });
  after(() => t.dispose());

  const firing = keys.filter((f) => Number(f.slice(3)) % 3 !== 0).length;

  for (const stats of ['without statistics', 'after ANALYZE'] as const) {
    it(`exact (startsAt, fingerprint) keys, ${stats}`, async () => {
      if (stats === 'after ANALYZE') await sql`analyze alerts`.execute(t.db);
      const { read, rows } = await explain(
        t,
        exactLookupQuery(
          t.db,
          'int-1',
          keys.map((fingerprint) => ({ startsAt: START, fingerprint })),
        ),
      );
      assert.equal(rows, KEYS);
      // A probe per key is a few rows per key (the key, the index row, the join's output); a scan of
      // the start time reads all 5000.
      assert.ok(read <= 5 * KEYS, `read ${read} rows for ${KEYS} keys in a table of ${STORED}`);
    });

    it(`open alerts by fingerprint, ${stats}`, async () => {
      const { read, rows } = await explain(t, openLookupQuery(t.db, 'int-1', keys));
      assert.equal(rows, firing);
      assert.ok(read <= 5 * KEYS, `read ${read} rows for ${KEYS} keys in a table of ${STORED}`);
    });

    it(`open groups of updated alerts, ${stats}`, async () => {
      if (stats === 'after ANALYZE') await sql`analyze alert_groups, alert_group_alerts`.execute(t.db);
      // The alerts of groups 3 (open) and 5 (closed): 200 keys, one open group.
      const ids = Array.from({ length: 200 }, (_, i) => 201 + i + (i < 100 ? 0 : 100));
      const { read, rows } = await explain(t, groupsOfQuery(t.db, ids));
      assert.equal(rows, 1);
      assert.ok(read <= 5 * ids.length, `read ${read} rows for ${ids.length} keys in a table of ${STORED}`);
      const found = await t.db.transaction().execute((trx) => groupsOf(trx, [...ids, 4850, 5000]));
      // 4850 is in group 49 (open), 5000 in group 50 (closed).
      assert.deepEqual(
        found.map((g) => g.id).sort((a, b) => a - b),
        [3, 49],
      );
    });
  }
});

describe('PostgreSQL alert lookups: exactly the stored rows', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase('postgres');
  });
  after(() => t.dispose());

  it('by integration, fingerprint and start; open ones by fingerprint', async () => {
    const now = Date.parse('2026-11-30T12:00:00.000Z');
    const limits = { maxAlerts: 100, maxLabels: 10 };
    const s1 = '2026-11-30T09:00:00.000Z';
    const s2 = '2026-11-30T10:00:00.000Z';
    const s3 = '2026-11-30T11:00:00.000Z';
    const alert = (name: string, startsAt?: string, status: 'firing' | 'resolved' = 'firing') => ({
      labels: { alertname: name },
      status,
      ...(startsAt === undefined ? {} : { startsAt }),
      ...(status === 'resolved' ? { endsAt: s3 } : {}),
    });
    const inA = prepareAlerts(
      [alert('X', s1), alert('X', s2, 'resolved'), alert('Y', s1, 'resolved'), alert('Z', s2)],
      limits,
      now,
    );
    const inB = prepareAlerts([alert('X', s1), alert('W', s1)], limits, now);
    const at = new Date(now).toISOString();
    const ids = await t.db.transaction().execute(async (trx) => ({
      a: await insertAlerts(trx, 'int-a', inA, at),
      b: await insertAlerts(trx, 'int-b', inB, at),
    }));
    const [xs1, xs2, ys1, zs2] = ids.a;
    // Integration B holds X at s1 too (another row) and the only W.
    assert.ok(ids.b.every((id) => id !== undefined && !ids.a.includes(id)));
    const asked = prepareAlerts(
      [
        alert('X', s1),
        alert('X', s2),
        alert('X', s3),
        alert('Y', s1),
        alert('W', s1),
        alert('Z', s1),
        alert('X'),
        alert('Y'),
        alert('W'),
        alert('Z'),
      ],
      limits,
      now,
    );
    const found = await t.db.transaction().execute((trx) => findExisting(trx, 'int-a', asked));
    const [X, , , Y, W, Z] = asked.map((p) => p.fingerprint);
    assert.deepEqual(
      [
        found.exact(X!, s1)?.id,
        found.exact(X!, s2)?.id,
        found.exact(X!, s3)?.id,
        found.exact(Y!, s1)?.id,
        found.exact(W!, s1)?.id,
        found.exact(Z!, s1)?.id,
      ],
      [xs1, xs2, undefined, ys1, undefined, undefined],
    );
    // Open: the firing row of each fingerprint in this integration (X resolved at s2 but firing at s1).
    assert.deepEqual(
      [found.open(X!)?.id, found.open(Y!)?.id, found.open(W!)?.id, found.open(Z!)?.id],
      [xs1, undefined, undefined, zs2],
    );
    const x = found.exact(X!, s2)!;
    assert.deepEqual(
      { fingerprint: x.fingerprint, startsAt: x.startsAt, status: x.status },
      { fingerprint: X, startsAt: s2, status: 'resolved' },
    );
  });
});
