import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../../test/support/app.js';
import { DIALECTS } from '../../../../test/support/databases.js';
import type { Actor } from '../../../core/actor.js';
import { botMessages } from '../../bot/bot-messages.js';
import type { MessageView } from '../../chat/schema.js';
import { alertSubject, SlackIncomingWebhook } from './incoming-webhook.js';

const amMessage = (status: 'FIRING:1' | 'FIRING:2' | 'RESOLVED', subject: string) => ({
  username: 'Alertmanager',
  attachments: [{ title: `[${status}] ${subject}`, color: status === 'RESOLVED' ? 'good' : 'danger' }],
});

test('the subject of a title: the status and, after the default prefix, the common labels go', () => {
  assert.equal(alertSubject('[FIRING:2] DiskFull slacky (critical)'), 'DiskFull slacky');
  assert.equal(alertSubject('[RESOLVED] DiskFull slacky (node)'), 'DiskFull slacky');
  assert.equal(alertSubject('[FIRING:1] NoCommon '), 'NoCommon');
  assert.equal(alertSubject('HighCPU is firing'), 'HighCPU is');
  assert.equal(alertSubject('RESOLVED: HighCPU'), 'HighCPU');
  // Without the default prefix, parentheses are the user's own group labels and stay.
  assert.equal(alertSubject('HighCPU (prod)'), 'HighCPU (prod)');
  // group_by []: no group label values, only common labels, which change as alerts join and leave.
  assert.equal(alertSubject('[FIRING:2]  (SlA node critical)'), '{}');
  assert.equal(alertSubject('[FIRING:3]  (node)'), '{}');
  assert.equal(alertSubject('[RESOLVED] '), '{}');
});

for (const dialect of DIALECTS) {
  describe(`Slack incoming webhook: one card per Alertmanager group (${dialect})`, () => {
    let t: TestApp;
    let target: { integrationId: string; roomId: string };
    let admin: Actor;
    const hook = () =>
      new SlackIncomingWebhook({
        poster: botMessages(t.app.chat, t.app.bot.actor),
        chat: t.app.chat,
        bot: t.app.bot.actor,
      });
    const cards = async (subject: string): Promise<MessageView[]> =>
      (await t.app.chat.messages.history(admin, target.roomId, { limit: 200 })).filter((m) =>
        m.card?.title.endsWith(subject),
      );

    before(async () => {
      t = await startTestApp(dialect);
      admin = (await t.app.identity.authenticateToken(t.admin.token, 'api'))!;
      const room = await t.app.chat.rooms.create(admin, { name: 'slack-hook' });
      target = { integrationId: 'int_test', roomId: room.id };
    });
    after(() => t.dispose());

    test('twins sent at the same moment (an HA pair) make one card', async () => {
      const receiver = hook();
      const results = await Promise.all([
        receiver.receive(target, amMessage('FIRING:1', 'Twins (critical)')),
        receiver.receive(target, amMessage('FIRING:1', 'Twins (critical)')),
      ]);
      assert.equal(results[0].messageId, results[1].messageId);
      assert.deepEqual(
        results.map((r) => r.updated),
        [false, true],
      );
      assert.equal((await cards('Twins (critical)')).length, 1);
    });

    test('after a restart the group card is found again in the room and updated', async () => {
      const first = await hook().receive(target, amMessage('FIRING:2', 'Restarted (warning)'));
      // A new instance: nothing in memory, as after a restart.
      const second = await hook().receive(target, amMessage('RESOLVED', 'Restarted (warning)'));
      assert.equal(second.messageId, first.messageId);
      assert.equal(second.updated, true);
      const [card] = await cards('Restarted (warning)');
      assert.equal(card?.card?.title, '[RESOLVED] Restarted (warning)');
      const thread = await t.app.chat.messages.history(admin, target.roomId, {
        limit: 50,
        threadId: first.messageId,
      });
      assert.deepEqual(
        thread.filter((m) => m.id !== first.messageId).map((m) => m.card?.title),
        ['[RESOLVED] Restarted (warning)'],
      );
    });

    test('the common-labels part of the title may change (an inhibited alert joins the resolve): same card', async () => {
      const receiver = hook();
      const firing = await receiver.receive(
        target,
        amMessage('FIRING:1', 'Inhibit checkout (10.0.0.1:8080 node critical)'),
      );
      const resolved = await receiver.receive(target, amMessage('RESOLVED', 'Inhibit checkout (node)'));
      assert.equal(resolved.messageId, firing.messageId);
      assert.deepEqual(
        (await cards('(node)')).map((m) => m.card?.title),
        ['[RESOLVED] Inhibit checkout (node)'],
      );
    });

    test('custom slack_configs titles: the status words or the colour tell the state, the rest names the group', async () => {
      const receiver = hook();
      const custom = (title: string, color: string) => ({
        username: 'Alertmanager',
        attachments: [{ title, color, title_link: 'http://am.example/#/alerts?receiver=slack' }],
      });
      const a = await receiver.receive(target, custom('HighCPU on web is firing', 'danger'));
      const b = await receiver.receive(target, custom('HighCPU on web is firing', 'danger'));
      const c = await receiver.receive(target, custom('HighCPU on web is RESOLVED', 'good'));
      assert.deepEqual([b.messageId, c.messageId], [a.messageId, a.messageId]);
      const d = await receiver.receive(target, custom('DiskFull db-1', 'danger'));
      const e = await receiver.receive(target, custom('DiskFull db-1', 'good'));
      assert.equal(e.messageId, d.messageId);
      const other = await receiver.receive(target, custom('DiskFull db-2', 'danger'));
      assert.notEqual(other.messageId, d.messageId, 'another group gets its own card');
      const thread = await t.app.chat.messages.history(admin, target.roomId, {
        limit: 50,
        threadId: d.messageId,
      });
      assert.equal(thread.length, 2, 'the card and one line for the change to resolved');
    });

    test("group_by []: the receiver's one group keeps its card while its common labels change", async () => {
      const receiver = hook();
      const firing = await receiver.receive(target, amMessage('FIRING:2', ' (Whole node critical)'));
      const more = await receiver.receive(target, amMessage('FIRING:2', ' (node)'));
      const resolved = await receiver.receive(target, amMessage('RESOLVED', ' (node)'));
      assert.deepEqual([more.messageId, resolved.messageId], [firing.messageId, firing.messageId]);
      const cards = (await t.app.chat.messages.history(admin, target.roomId, { limit: 200 })).filter(
        (m) => m.threadId === null && m.card?.title.startsWith('['),
      );
      assert.deepEqual(
        cards.filter((m) => m.id === firing.messageId).map((m) => m.card?.title),
        ['[RESOLVED] (node)'],
      );
    });

    test('other messages each get a card of their own', async () => {
      const receiver = hook();
      const a = await receiver.receive(target, { text: 'Backup finished' });
      const b = await receiver.receive(target, { text: 'Backup finished' });
      assert.notEqual(a.messageId, b.messageId);
      assert.equal((await cards('Backup finished')).length, 2);
    });
  });
}
