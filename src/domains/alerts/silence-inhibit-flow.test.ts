import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAlertsApp } from '../../../test/support/alerts-app.js';
import type { TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import type { Integration } from '../integrations/schema.js';
import type { IncomingAlert } from './schema.js';

describe('silences, inhibition and large groups through the pipeline', () => {
  let t: TestApp;
  let integration: Integration;
  const cards = async () =>
    (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 100 })).filter(
      (m) => m.card !== null,
    );
  const cardOf = async (name: string) => (await cards()).filter((m) => m.card!.title.includes(` ${name}`));
  const send = async (alerts: IncomingAlert[]) => {
    await t.app.alerts.ingestion.ingest(integration, alerts);
    await t.app.alerts.idle();
  };
  const alert = (
    labels: Record<string, string>,
    status: 'firing' | 'resolved' = 'firing',
  ): IncomingAlert => ({
    labels,
    status,
    startsAt: '2026-01-01T00:00:00Z',
    annotations: { summary: `${labels.alertname} on ${labels.instance ?? '?'}` },
  });

  before(async () => {
    ({ t, integration } = await startAlertsApp('sqlite', {
      config: {
        alerts: {
          route: { group_wait: '0s', group_by: ['alertname'] },
          inhibit_rules: [
            {
              source_matchers: ['alertname="DatacenterDown"'],
              target_matchers: ['alertname="HostDown"'],
              equal: ['dc'],
            },
          ],
        },
      },
    }));
  });
  after(() => t.dispose());

  it('a card lists ten alerts and counts the rest', async () => {
    await send(Array.from({ length: 30 }, (_, i) => alert({ alertname: 'DiskFull', instance: `host${i}` })));
    const [card] = await cardOf('DiskFull');
    assert.ok(card);
    assert.match(card.card!.title, /30 firing/);
    const list = card.card!.fields!.find((f) => f.title.startsWith('Alerts'))!;
    assert.equal(list.title, 'Alerts (30 firing, 0 resolved)');
    assert.match(list.value, /… and 20 more/);
  });

  it('a silence turns the card to silenced and says so in the thread; ending it brings it back', async () => {
    const [before] = await cardOf('DiskFull');
    const silence = await t.app.alerts.service.silence(SYSTEM_ACTOR, {
      matchers: [{ name: 'alertname', op: '=', value: 'DiskFull' }],
      durationMs: 3_600_000,
      reason: 'disk swap',
    });
    await t.app.alerts.idle();
    const [silenced] = await cardOf('DiskFull');
    assert.equal(silenced!.id, before!.id);
    assert.match(silenced!.card!.title, /^🔕/);
    const thread = await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', {
      threadId: before!.id,
      limit: 20,
    });
    assert.ok(thread.some((m) => m.text.includes('Silenced')));
    await t.app.alerts.service.unsilence(SYSTEM_ACTOR, silence.id);
    await t.app.alerts.idle();
    assert.match((await cardOf('DiskFull'))[0]!.card!.title, /^🔥/);
  });

  it('an inhibited group gets no card until its inhibitor resolves', async () => {
    await send([alert({ alertname: 'DatacenterDown', dc: 'fra' })]);
    await send([alert({ alertname: 'HostDown', dc: 'fra', instance: 'h1' })]);
    assert.equal((await cardOf('DatacenterDown')).length, 1);
    assert.equal((await cardOf('HostDown')).length, 0, 'inhibited from the start: no card');
    const [group] = (await t.app.alerts.service.list(SYSTEM_ACTOR, { alertname: 'HostDown' })) ?? [];
    assert.equal(group?.status, 'inhibited');
    await send([alert({ alertname: 'DatacenterDown', dc: 'fra' }, 'resolved')]);
    await t.app.alerts.idle();
    const host = await cardOf('HostDown');
    assert.equal(host.length, 1, 'the inhibitor resolved: the host alert now speaks');
    assert.match(host[0]!.card!.title, /^🔥/);
  });
});
