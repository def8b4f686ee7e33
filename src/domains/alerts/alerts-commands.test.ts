import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { eventually } from '../../../test/support/eventually.js';
import { alertmanagerFixture } from '../../../test/support/fixtures.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { ALERT_ACTIONS } from './card.js';

const firing = alertmanagerFixture('am025-webhook-firing.json');
const resolved = alertmanagerFixture('am025-webhook-resolved.json');

describe('alert commands and card buttons', () => {
  let t: TestApp;
  let bob: TestUser;
  let token: string;
  let roomId: string;

  const card = async () => {
    const messages = await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { limit: 50 });
    const cards = messages.filter((m) => m.card?.title.includes('HighErrorRate'));
    assert.equal(cards.length, 1, 'exactly one card for the group');
    return cards[0]!;
  };
  const thread = async (id: string) =>
    (await t.app.chat.messages.history(SYSTEM_ACTOR, 'alerts', { threadId: id, limit: 50 })).map(
      (m) => m.text,
    );
  const run = async (line: string, as: TestUser = bob) => {
    const user = await t.app.identity.requireUser(as.username);
    return t.app.bot.dispatcher.execute(
      { userId: user.id, username: user.username, roles: JSON.parse(user.roles) as string[], channel: 'api' },
      line,
      { roomId, roomName: 'alerts' },
    );
  };

  before(async () => {
    t = await startTestApp('sqlite', {
      config: { alerts: { route: { group_wait: '0s', group_by: ['alertname', 'service'] } } },
    });
    roomId = (await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' })).id;
    token = (await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'alertmanager', room: 'alerts' })).token!;
    bob = await t.user('bob', ['responder']);
    await t.user('mia', ['member']);
  });
  after(() => t.dispose());

  it('Ack on the card acks the group as the presser; the card and its thread say so; the resolve still arrives', async () => {
    await t.request({
      method: 'POST',
      url: `/hooks/alertmanager/${token}`,
      payload: firing,
      headers: { 'content-type': 'application/json' },
    });
    await t.app.alerts.idle();
    const first = await card();
    const ack = first.card!.buttons!.find((b) => b.actionId === ALERT_ACTIONS.ack)!;
    const press = await t.request({
      method: 'POST',
      url: `/api/messages/${first.id}/actions`,
      as: bob,
      payload: { actionId: ack.actionId, value: ack.value },
    });
    assert.ok(press.statusCode < 300, press.body);
    await eventually(async () => {
      await t.app.bot.idle();
      await t.app.alerts.idle();
      const now = await card();
      assert.equal(now.id, first.id);
      assert.ok(now.card!.fields!.some((f) => f.title === 'Status' && f.value === 'Acked by @bob'));
      assert.ok(!now.card!.buttons!.some((b) => b.actionId === ALERT_ACTIONS.ack));
    });
    assert.ok((await thread(first.id)).some((text) => text.includes('Acked by @bob')));

    await t.request({
      method: 'POST',
      url: `/hooks/alertmanager/${token}`,
      payload: resolved,
      headers: { 'content-type': 'application/json' },
    });
    await t.app.alerts.idle();
    const done = await card();
    assert.equal(done.id, first.id);
    assert.match(done.card!.title, /^✅/);
    assert.ok((await thread(first.id)).some((text) => text.startsWith('✅ Resolved')));
  });

  it('silence, silences and unsilence from chat; members may not silence', async () => {
    const made = await run('silence alertname="DiskFull" env=~"prod|staging" for 2h "disk swap tonight"');
    assert.equal(made.outcome, 'ok', made.text);
    assert.match(made.text, /alertname="DiskFull", env=~"prod\|staging"/);
    assert.match(made.text, /disk swap tonight/);
    const list = await run('silences');
    assert.match(list.text, /silence 1:/);
    const denied = await run('silence alertname=X for 1h', { username: 'mia' } as TestUser);
    assert.equal(denied.outcome, 'denied');
    const bad = await run('silence alertname=X for soon');
    assert.equal(bad.outcome, 'failed');
    assert.match(bad.text, /duration/);
    const ended = await run('unsilence 1');
    assert.match(ended.text, /ended by @bob/);
    assert.equal((await run('silences')).text, 'No active silences.');
  });

  it('alerts lists with filters, alert shows one, alerts test dry-runs, alerts noise reports', async () => {
    const all = await run('alerts status=all');
    assert.match(all.text, /#1 \*\*HighErrorRate\*\*/);
    const none = await run('alerts status=firing');
    assert.match(none.text, /No alerts match/);
    const one = await run('alert 1');
    assert.match(one.text, /instance=10\.0\.0\.1:8080/);
    const dry = await run(
      'alerts test {"labels":{"alertname":"DiskFull","severity":"critical"},"summary":"disk 95%"}',
    );
    assert.equal(dry.outcome, 'ok', dry.text);
    assert.match(dry.text, /route `root`/);
    assert.match(dry.card!.title, /\(dry run\)/);
    const noise = await run('alerts noise since 30d');
    assert.match(noise.text, /\| HighErrorRate \| 2 \|/);
  });
});
