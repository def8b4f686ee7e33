import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAlertsApp } from '../../../test/support/alerts-app.js';
import type { TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import type { Integration } from '../integrations/schema.js';
import type { IncomingAlert } from './schema.js';

describe('repeat_interval, ack, flapping and rate limits (FakeClock)', () => {
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  let t: TestApp;
  let integration: Integration;
  const cards = async (name: string) =>
    (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 200 })).filter((m) =>
      m.card?.title.includes(` ${name}`),
    );
  const thread = async (id: string) =>
    (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { threadId: id, limit: 100 })).map(
      (m) => m.text,
    );
  const send = async (alerts: IncomingAlert[]) => {
    await t.app.alerts.ingestion.ingest(integration, alerts);
    await t.app.alerts.idle();
  };
  const at = (name: string, startsAt: string, status: 'firing' | 'resolved' = 'firing'): IncomingAlert => ({
    labels: { alertname: name, instance: 'a' },
    status,
    startsAt,
  });
  const advance = async (ms: number) => {
    await clock.advanceAsync(ms);
    await t.app.alerts.idle();
  };

  before(async () => {
    ({ t, integration } = await startAlertsApp('sqlite', {
      clock,
      config: {
        alerts: {
          route: { group_wait: '0s', repeat_interval: '1h' },
          flap: { changes: 3, window: '30m' },
          rate_limit: { per_minute: 60, burst: 3 },
        },
      },
    }));
  });
  after(() => t.dispose());

  it('reminds every repeat_interval while firing, and not once acked', async () => {
    await send([at('Repeat', '2026-03-01T00:00:00Z')]);
    const [card] = await cards('Repeat');
    assert.ok(card);
    await advance(3_600_000);
    assert.equal((await thread(card.id)).filter((x) => x.startsWith('⏰ Still firing')).length, 1);
    await t.app.alerts.service.ack(SYSTEM_ACTOR, Number(/#(\d+)/.exec(card.card!.title)![1]));
    await t.app.alerts.idle();
    await advance(3 * 3_600_000);
    const lines = await thread(card.id);
    assert.equal(lines.filter((x) => x.startsWith('⏰ Still firing')).length, 1, 'no reminder after the ack');
    assert.ok(lines.some((x) => x.includes('Acked by @system')));
  });

  it('a flapping alert keeps one card instead of a new one per firing', async () => {
    const times = ['2026-03-01T05:00:00Z', '2026-03-01T05:02:00Z', '2026-03-01T05:04:00Z'];
    for (const startsAt of times) {
      await send([at('Flappy', startsAt)]);
      await advance(60_000);
      await send([at('Flappy', startsAt, 'resolved')]);
      await advance(60_000);
    }
    const list = await cards('Flappy');
    assert.equal(
      list.length,
      1,
      'the third change marks it flapping: the second firing reopens the first card',
    );
    assert.match(list.at(-1)!.card!.fields!.find((f) => f.title === 'Status')!.value, /flapping/);
  });

  it('over the rate limit, cards wait instead of being dropped', async () => {
    await advance(120_000); // refill the bucket
    await send(['R1', 'R2', 'R3', 'R4', 'R5'].map((n) => at(n, '2026-03-01T06:00:00Z')));
    const posted = async () =>
      (await Promise.all(['R1', 'R2', 'R3', 'R4', 'R5'].map(cards))).filter((c) => c.length === 1).length;
    assert.equal(await posted(), 3, 'the burst');
    await advance(1_000);
    assert.equal(await posted(), 4);
    await advance(1_000);
    assert.equal(await posted(), 5, 'all of them, in the end');
  });
});
