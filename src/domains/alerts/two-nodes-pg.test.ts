import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { type App, buildApp } from '../../app.js';
import { configSchema } from '../../config/schema.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { type Clock, FakeClock } from '../../core/clock.js';
import { type Database, openPostgres } from '../../storage/database.js';

/** One Alertmanager body (0.25) for the group `alertname`, its alerts firing or resolved. */
function amBody(alertname: string, instances: string[], status: 'firing' | 'resolved' = 'firing'): string {
  return JSON.stringify({
    receiver: 'opsroom',
    status,
    alerts: instances.map((instance) => ({
      status,
      labels: { alertname, instance },
      annotations: { summary: `${alertname} on ${instance}` },
      startsAt: '2026-12-07T09:00:00Z',
      endsAt: status === 'resolved' ? '2026-12-07T09:05:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example/graph',
    })),
    groupLabels: { alertname },
    commonLabels: { alertname },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example',
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
  });
}

const route = { group_wait: '0s', group_interval: '1s', group_by: ['alertname'], repeat_interval: '1h' };
const config = { alerts: { route } };

/** Node A (a test app on a fresh schema, with the `alerts` room and an integration) and node B on the same schema. */
async function twoNodes(clock?: Clock): Promise<{ a: TestApp; b: App; token: string }> {
  const a = await startTestApp('postgres', { config, ...(clock ? { clock } : {}) });
  await a.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
  const created = await a.app.integrations.create(SYSTEM_ACTOR, { kind: 'alertmanager', room: 'alerts' });
  const database: Database = openPostgres(a.database.url, 5);
  const b = await buildApp(
    configSchema.parse({ server: { port: 0 }, alerts: { route, reconcile: { enabled: false } } }),
    {
      database,
      secretKey: randomBytes(32),
      logger: pino({ level: 'silent' }),
      ...(clock ? { clock } : {}),
    },
  );
  return { a, b, token: created.token! };
}

function hook(node: App, token: string, body: string) {
  return node.http.inject({
    method: 'POST',
    url: `/hooks/alertmanager/${token}`,
    payload: body,
    headers: { 'content-type': 'application/json' },
  });
}

describe('two Opsroom nodes on one PostgreSQL database', () => {
  let a: TestApp;
  let b: App;
  let token: string;
  const post = (node: App, body: string) => hook(node, token, body);

  before(async () => {
    ({ a, b, token } = await twoNodes());
  });
  after(async () => {
    await b.close();
    await a.dispose();
  });

  const cards = async () =>
    (await a.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 100 })).filter(
      (m) => m.card !== null,
    );

  it('an HA pair whose two webhooks land on different nodes at once: one group, one card', async () => {
    for (let round = 0; round < 5; round++) {
      // The pair disagree for a moment (one has seen the second alert already): both deliveries change
      // the group, so each node has a flush of it due.
      const [ra, rb] = await Promise.all([
        post(a.app, amBody(`Split${round}`, ['a:9100'])),
        post(b, amBody(`Split${round}`, ['a:9100', 'b:9100'])),
      ]);
      assert.equal(ra.statusCode, 200, ra.body);
      assert.equal(rb.statusCode, 200, rb.body);
    }
    await Promise.all([a.app.alerts.idle(), b.alerts.idle()]);
    const titles = (await cards()).map((m) => m.card!.title.replace(/^\S+ #\d+ /, '')).sort();
    assert.deepEqual(
      titles,
      [0, 1, 2, 3, 4].map((r) => `Split${r} · 2 firing`),
    );
  });

  it('the pair resolve it on both nodes at once: the card resolves, and its thread says so once', async () => {
    const [ra, rb] = await Promise.all([
      post(a.app, amBody('Split0', ['a:9100', 'b:9100'], 'resolved')),
      post(b, amBody('Split0', ['a:9100', 'b:9100'], 'resolved')),
    ]);
    assert.equal(ra.statusCode, 200, ra.body);
    assert.equal(rb.statusCode, 200, rb.body);
    await Promise.all([a.app.alerts.idle(), b.alerts.idle()]);
    const card = (await cards()).find((m) => m.card!.title.includes('Split0'))!;
    assert.match(card.card!.title, /^\S+ #\d+ Split0$/, 'resolved: no count of firing alerts');
    const thread = await a.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', {
      threadId: card.id,
      limit: 50,
    });
    const told = thread.filter((m) => m.text.startsWith('✅ Resolved'));
    assert.equal(told.length, 1, JSON.stringify(thread.map((m) => m.text)));
  });
});

describe('two Opsroom nodes on one PostgreSQL database, on one clock', () => {
  const clock = new FakeClock('2026-12-07T09:00:00.000Z');
  let a: TestApp;
  let b: App;
  let token: string;
  before(async () => {
    ({ a, b, token } = await twoNodes(clock));
  });
  after(async () => {
    await b.close();
    await a.dispose();
  });

  it('both armed the reminder: each repeat_interval, one "Still firing" in the thread', async () => {
    await Promise.all([
      // Each node learns an alert of the group the other has not stored yet: each flushes it.
      hook(a.app, token, amBody('Remind', ['a:9100'])),
      hook(b, token, amBody('Remind', ['b:9100'])),
    ]);
    await Promise.all([a.app.alerts.idle(), b.alerts.idle()]);
    // The node that flushed second announces its alert after group_interval: now both armed a reminder.
    clock.advance(1000);
    await Promise.all([a.app.alerts.idle(), b.alerts.idle()]);
    const [card] = (await a.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 10 })).filter(
      (m) => m.card !== null,
    );
    assert.ok(card);
    const reminders = async () =>
      (await a.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { threadId: card.id, limit: 50 })).filter(
        (m) => m.text.startsWith('⏰ Still firing'),
      ).length;
    for (const expected of [1, 2]) {
      clock.advance(3_600_000);
      await Promise.all([a.app.alerts.idle(), b.alerts.idle()]);
      assert.equal(await reminders(), expected);
    }
  });
});
