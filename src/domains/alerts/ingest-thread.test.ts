import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { IngestThread } from './ingest-thread-client.js';

// The ingest thread (SQLite file): deliveries are parsed and stored in a worker thread with its own
// connection. What crosses the thread boundary: time (the main thread's clock), rooms (made by chat
// on the main thread), errors (coded 4xx), and a thread that dies mid-delivery.
describe('alert ingest thread', () => {
  let t: TestApp;
  let token: string;
  let integrationId: string;
  const clock = new FakeClock('2026-05-01T12:00:00.000Z');
  const body = (alertname: string, instances: string[], extra: Record<string, string> = {}) =>
    JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'opsroom',
      groupKey: `{}:{alertname="${alertname}"}`,
      groupLabels: { alertname },
      commonLabels: { alertname },
      commonAnnotations: {},
      externalURL: 'http://am.example',
      truncatedAlerts: 0,
      alerts: instances.map((instance) => ({
        status: 'firing',
        labels: { alertname, instance, ...extra },
        annotations: { summary: `${instance} is down` },
        startsAt: '2026-05-01T11:59:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example/graph',
        fingerprint: '0000000000000000',
      })),
    });
  const post = (payload: string) =>
    t.request({
      method: 'POST',
      url: `/hooks/alertmanager/${token}`,
      payload,
      headers: { 'content-type': 'application/json' },
    });
  const rows = async (alertname: string) =>
    (await t.app.database.db.selectFrom('alerts').select('id').where('alertname', '=', alertname).execute())
      .length;

  before(async () => {
    t = await startTestApp('sqlite', {
      clock,
      config: {
        alerts: {
          route: {
            group_by: ['alertname'],
            group_wait: '0s',
            routes: [{ matchers: ['team="db"'], room: 'db-alerts' }],
          },
        },
      },
    });
    await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
    const created = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'alertmanager', room: 'alerts' });
    token = created.token!;
    integrationId = created.integration.id;
  });
  after(() => t.dispose());

  it('runs in its own thread on a SQLite file, started by the first delivery, with the main thread’s time', async () => {
    const thread = t.app.alerts.ingestion;
    assert.ok(thread instanceof IngestThread);
    assert.equal(thread.started, false, 'an idle server runs no ingest thread (memory, start-up)');
    const res = await post(body('Threaded', ['a', 'b']));
    assert.equal(thread.started, true);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().created, 2);
    const stored = await t.app.database.db
      .selectFrom('alerts')
      .select(['createdAt'])
      .where('alertname', '=', 'Threaded')
      .execute();
    // The FakeClock's time, not the wall clock's: the thread has no clock of its own.
    assert.deepEqual(
      stored.map((r) => r.createdAt),
      ['2026-05-01T12:00:00.000Z', '2026-05-01T12:00:00.000Z'],
    );
    await t.app.alerts.idle();
    const cards = (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 20 })).filter(
      (m) => m.card !== null,
    );
    assert.equal(cards.length, 1, 'the card is posted by the main thread after the commit');
  });

  it('announces each alert the thread fired or resolved on the main thread’s bus, with its id and labels', async () => {
    const fired: {
      alertId: number;
      integrationId: string;
      fingerprint: string;
      severity: string;
      labels: Record<string, string>;
    }[] = [];
    const resolved: { alertId: number; alertname: string }[] = [];
    const stopFired = t.app.bus.subscribe('alert.fired', (e) => {
      if (e.payload.alertname === 'Announced') fired.push(e.payload);
    });
    const stopResolved = t.app.bus.subscribe('alert.resolved', (e) => {
      if (e.payload.alertname === 'Announced') resolved.push(e.payload);
    });
    try {
      assert.equal((await post(body('Announced', ['x', 'y'], { severity: 'critical' }))).statusCode, 200);
      const stored = await t.app.database.db
        .selectFrom('alerts')
        .select(['id', 'fingerprint', 'labels'])
        .where('alertname', '=', 'Announced')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        fired.map((e) => ({ alertId: e.alertId, fingerprint: e.fingerprint, labels: e.labels })),
        stored.map((r) => ({ alertId: r.id, fingerprint: r.fingerprint, labels: JSON.parse(r.labels) })),
      );
      assert.deepEqual(fired[0]!.labels, { alertname: 'Announced', instance: 'x', severity: 'critical' });
      assert.equal(fired[1]!.severity, 'critical');
      assert.deepEqual(JSON.parse(JSON.stringify(fired[1])), {
        alertId: stored[1]!.id,
        integrationId: fired[1]!.integrationId,
        fingerprint: stored[1]!.fingerprint,
        alertname: 'Announced',
        severity: 'critical',
        labels: { alertname: 'Announced', instance: 'y', severity: 'critical' },
      });
      const resolve = JSON.parse(body('Announced', ['y'], { severity: 'critical' })) as {
        alerts: { status: string; endsAt: string }[];
      };
      resolve.alerts[0]!.status = 'resolved';
      resolve.alerts[0]!.endsAt = '2026-05-01T12:00:00Z';
      assert.equal((await post(JSON.stringify(resolve))).statusCode, 200);
      assert.deepEqual(resolved, [{ ...resolved[0], alertId: stored[1]!.id, alertname: 'Announced' }]);
    } finally {
      stopFired();
      stopResolved();
    }
  });

  it('a route to a room that does not exist yet: the main thread makes it, the card lands there', async () => {
    const res = await post(body('DbSlow', ['db1'], { team: 'db' }));
    assert.equal(res.statusCode, 200, res.body);
    await t.app.alerts.idle();
    const history = await t.app.chat.messages.history(SYSTEM_ACTOR, 'db-alerts', { limit: 10 });
    assert.equal(history.filter((m) => m.card !== null).length, 1);
  });

  it('refusals made in the thread arrive as the same coded 4xx, and nothing is stored', async () => {
    const bad = await post('{"version":"4","alerts":[{"labels":{}}]');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'E_BAD_JSON');
    const invalid = await post(JSON.stringify({ version: '4', status: 'firing', alerts: [{ labels: {} }] }));
    assert.ok(invalid.statusCode >= 400 && invalid.statusCode < 500, invalid.body);
    assert.equal(invalid.json().error.code, 'E_VALIDATION');
  });

  for (const which of ['ingest', 'parse'] as const) {
    it(`${which === 'ingest' ? 'an' : 'a'} ${which} thread that dies is replaced with its partner: deliveries they held fail whole (503), none is stored twice`, async () => {
      const thread = t.app.alerts.ingestion as IngestThread;
      const instances = Array.from({ length: 200 }, (_, i) => `host-${i}`);
      const name = (i: number) => `Crash${which}${i}`;
      // Deliveries in flight while the thread is ended: each is answered 200 (committed before) or
      // 503 E_UNAVAILABLE (never half-stored), and the sender's retry fixes the rest.
      const inFlight = Array.from({ length: 5 }, (_, i) => post(body(name(i), instances)));
      const restarted = thread.restart(which);
      const answers = await Promise.all(inFlight);
      await restarted;
      for (const [i, res] of answers.entries()) {
        if (res.statusCode === 200) assert.equal(await rows(name(i)), 200);
        else {
          assert.equal(res.statusCode, 503, res.body);
          assert.equal(res.json().error.code, 'E_UNAVAILABLE');
          assert.equal(await rows(name(i)), 0, 'a failed delivery stored nothing');
        }
      }
      // The senders retry everything: the new thread knows what was stored (reloaded): no duplicates.
      for (let i = 0; i < 5; i++) {
        const again = await post(body(name(i), instances));
        assert.equal(again.statusCode, 200, again.body);
        assert.equal(await rows(name(i)), 200);
      }
      const repeat = await post(body('Threaded', ['a', 'b']));
      assert.deepEqual([repeat.json().created, repeat.json().unchanged], [0, 2]);
    });
  }

  it('writes deliveries in the order they were handed over, through both threads', async () => {
    const thread = t.app.alerts.ingestion as IngestThread;
    const integration = (await t.app.integrations.get(integrationId))!;
    // One alert fired and resolved in turn, twenty times, without waiting: the first resolve must
    // find it firing and every later delivery must repeat what is stored, which holds only if each
    // was written in turn (neither thread may let one delivery overtake another).
    const turns = Array.from({ length: 20 }, (_, i) => {
      const payload = JSON.parse(body('Ordered', ['only'])) as {
        alerts: { status: string; endsAt: string }[];
      };
      if (i % 2 === 1) {
        payload.alerts[0]!.status = 'resolved';
        payload.alerts[0]!.endsAt = '2026-05-01T12:00:00Z';
      }
      return thread.ingestBody('alertmanager', integration, Buffer.from(JSON.stringify(payload)));
    });
    const results = await Promise.all(turns);
    const verdicts = results.map((r) =>
      r.created === 1 ? 'created' : r.resolved === 1 ? 'resolved' : r.unchanged === 1 ? 'unchanged' : 'other',
    );
    assert.deepEqual(verdicts, ['created', 'resolved', ...Array(18).fill('unchanged')]);
    const stored = await t.app.database.db
      .selectFrom('alerts')
      .select(['status', 'endsAt'])
      .where('alertname', '=', 'Ordered')
      .execute();
    assert.deepEqual(stored, [{ status: 'resolved', endsAt: '2026-05-01T12:00:00.000Z' }]);
  });

  it('moves a body’s memory to the thread only when the body is all of it', async () => {
    const thread = t.app.alerts.ingestion as IngestThread;
    const integration = (await t.app.integrations.get(integrationId))!;
    const bytes = Buffer.from(body('Moved', ['m1', 'm2']));
    // A body inside a larger buffer (a pooled Buffer, a slice of a read): copied, the rest untouched.
    const around = Buffer.alloc(bytes.length + 64, 0x20);
    bytes.copy(around, 32);
    const inside = around.subarray(32, 32 + bytes.length);
    assert.equal((await thread.ingestBody('alertmanager', integration, inside)).created, 2);
    assert.equal(around.length, bytes.length + 64, 'the surrounding buffer keeps its memory');
    assert.equal(around.subarray(32, 32 + bytes.length).toString(), bytes.toString());
    // A body that is a whole ArrayBuffer is moved, not copied: the caller's view is emptied.
    const whole = new Uint8Array(Buffer.from(body('Moved', ['m3'])));
    assert.equal((await thread.ingestBody('alertmanager', integration, whole)).created, 1);
    assert.equal(whole.byteLength, 0, 'handed over (the port says not to read it after)');
  });

  it('an idle thread does not keep its process alive (an app left unclosed exits)', async () => {
    const appModule = new URL('../../app.ts', import.meta.url).href;
    const configModule = new URL('../../config/schema.ts', import.meta.url).href;
    const actorModule = new URL('../../core/actor.ts', import.meta.url).href;
    const script = `
      import { mkdtempSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const { buildApp } = await import(${JSON.stringify(appModule)});
      const { configSchema } = await import(${JSON.stringify(configModule)});
      const { SYSTEM_ACTOR } = await import(${JSON.stringify(actorModule)});
      const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-unclosed-'));
      const app = await buildApp(configSchema.parse({ storage: { dataDir }, log: { level: 'silent' } }));
      await app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
      const { integration } = await app.integrations.create(SYSTEM_ACTOR, { kind: 'generic', room: 'alerts' });
      const result = await app.alerts.ingestion.ingest(integration, [{ labels: { alertname: 'Left' }, status: 'firing' }]);
      console.log('ingested', result.created, app.alerts.ingestion.constructor.name);
    `;
    const { execFile } = await import('node:child_process');
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { timeout: 60_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    assert.match(output, /ingested 1 IngestThread/);
  });

  it('can be turned off: then ingest runs in the event loop', async () => {
    const plain = await startTestApp('sqlite', { config: { alerts: { ingest_thread: false } } });
    try {
      assert.equal(plain.app.alerts.ingestion instanceof IngestThread, false);
    } finally {
      await plain.dispose();
    }
  });
});
