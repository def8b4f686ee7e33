import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/support/app.js';
import { DIALECTS } from '../../../../test/support/databases.js';
import { eventually } from '../../../../test/support/eventually.js';
import { SYSTEM_ACTOR } from '../../../core/actor.js';
import { FakeClock } from '../../../core/clock.js';
import type { Card } from '../../chat/schema.js';
import { defineCommand } from '../command.js';

type Msg = { id: string; username: string; text: string; card: Card | null };

for (const dialect of DIALECTS) {
  describe(`confirmations and approvals on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    let olga: TestUser;
    let carol: TestUser;
    const clock = new FakeClock('2026-05-04T09:00:00Z');
    const ran: string[] = [];

    const post = async (text: string, as: TestUser) => {
      const res = await t.request({ method: 'POST', url: '/api/rooms/ops/messages', as, payload: { text } });
      assert.equal(res.statusCode, 201, res.body);
      await t.app.bot.idle();
      return res.json().id as string;
    };
    const messages = async (): Promise<Msg[]> =>
      (await t.request({ method: 'GET', url: '/api/rooms/ops/messages?limit=100', as: alice })).json()
        .messages;
    const repliesAfter = async (id: string) => {
      const all = await messages();
      return all.slice(all.findIndex((m) => m.id === id) + 1);
    };
    const nonceIn = (text: string) => /(?:confirm|approve) ([0-9a-z]{4,8})/.exec(text)![1]!;
    const audit = async (action: string) => {
      await t.app.audit.drain();
      return (await t.app.audit.list(SYSTEM_ACTOR, { action, limit: 50 })).records;
    };

    before(async () => {
      t = await startTestApp(dialect, { clock });
      alice = await t.user('alice', ['operator']);
      olga = await t.user('olga', ['operator']);
      carol = await t.user('carol', ['member']);
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
      t.app.bot.registry.register(
        defineCommand({
          name: 'restart',
          summary: 'Restart a service',
          usage: ['restart {{service}}'],
          args: { service: { type: 'string', required: true } },
          permission: 'ops:restart',
          risk: 'confirm',
          run: ({ args, actor }) => {
            ran.push(`restart ${args.service} as ${actor.username}`);
            return `restarted ${args.service}`;
          },
        }),
      );
      t.app.bot.registry.register(
        defineCommand({
          name: 'ship',
          summary: 'Ship an app',
          usage: ['ship {{app}} to {{env}}'],
          args: {
            app: { type: 'string', required: true },
            env: { type: 'enum', values: ['staging', 'prod'] },
          },
          permission: 'deploy:{{env}}',
          risk: 'approval',
          run: ({ args, actor }) => {
            ran.push(`ship ${args.app} to ${args.env} as ${actor.username}`);
            return 'shipped';
          },
        }),
      );
    });
    after(() => t.dispose());

    test('a risky command is proposed; only its requester confirms it, by nonce; the card becomes the job card', async () => {
      const asked = await post('!restart api', alice);
      const [proposal, ...more] = await repliesAfter(asked);
      assert.equal(more.length, 0, 'exactly one reply: the proposal card');
      assert.match(proposal!.card!.title, /Confirm: restart/);
      assert.deepEqual(
        proposal!.card!.buttons!.map((b) => b.label),
        ['Confirm', 'Cancel'],
      );
      const nonce = nonceIn(proposal!.card!.text!);
      assert.deepEqual(ran, [], 'nothing ran yet');

      // A bare "yes" is not a command, addressed or not.
      await post('yes', alice);
      const yes = await post('!yes', alice);
      assert.match((await repliesAfter(yes))[0]!.text, /know the command `yes`/);
      const other = await post(`!confirm ${nonce}`, olga);
      assert.match((await repliesAfter(other))[0]!.text, /Only @alice can confirm/);
      assert.deepEqual(ran, []);

      const confirmed = await post(`!confirm ${nonce}`, alice);
      await t.app.bot.idle();
      assert.deepEqual(ran, ['restart api as alice']);
      assert.match((await repliesAfter(confirmed))[0]!.text, /Confirmed `restart api`: job #\d+/);
      const card = (await messages()).find((m) => m.id === proposal!.id)!;
      assert.match(card.card!.title, /^✅ Job #\d+: restart api/);
      const again = await post(`!confirm ${nonce}`, alice);
      assert.match((await repliesAfter(again))[0]!.text, /already confirmed/);

      const decisions = (await audit('command.run')).filter((r) => r.commandLine === 'restart api');
      assert.deepEqual(decisions.map((r) => [r.decision, r.decidedBy]).reverse(), [
        ['proposed', null],
        ['confirmed', 'alice'],
      ]);
    });

    test('the Confirm button works; a proposal expires after 5 minutes and then never runs', async () => {
      const asked = await post('!restart web', alice);
      const [card] = await repliesAfter(asked);
      const press = await t.request({
        method: 'POST',
        url: `/api/messages/${card!.id}/actions`,
        as: alice,
        payload: { actionId: 'proposal.confirm', value: nonceIn(card!.card!.text!) },
      });
      assert.equal(press.statusCode, 202);
      await eventually(async () => {
        await t.app.bot.idle();
        assert.ok(ran.includes('restart web as alice'));
      });

      const late = await post('!restart db', alice);
      const [stale] = await repliesAfter(late);
      const nonce = nonceIn(stale!.card!.text!);
      await clock.advanceAsync(5 * 60_000 + 1);
      await eventually(async () => {
        const expired = (await messages()).find((m) => m.id === stale!.id)!;
        assert.match(expired.card!.text!, /Expired/);
      });
      const tooLate = await post(`!confirm ${nonce}`, alice);
      assert.match((await repliesAfter(tooLate))[0]!.text, /expired/);
      assert.ok(!ran.includes('restart db as alice'));
      assert.ok((await audit('proposal.expired')).some((r) => r.commandLine === 'restart db'));
    });

    test('approval: never by the requester or someone without the permission; another operator approves', async () => {
      const asked = await post('!ship api to prod', carol);
      const [refused] = await repliesAfter(asked);
      assert.match(refused!.text, /need the `deploy:prod` permission/, 'a member cannot even ask');

      const req = await post('!ship api to prod', alice);
      const [card] = await repliesAfter(req);
      assert.match(card!.card!.title, /Approval needed: ship/);
      const nonce = nonceIn(card!.card!.text!);
      const self = await post(`!approve ${nonce}`, alice);
      assert.match((await repliesAfter(self))[0]!.text, /someone else/);
      const member = await post(`!approve ${nonce}`, carol);
      assert.match((await repliesAfter(member))[0]!.text, /needs the `deploy:prod` permission/);
      assert.deepEqual(
        ran.filter((r) => r.startsWith('ship')),
        [],
      );

      await post(`!approve ${nonce}`, olga);
      await t.app.bot.idle();
      assert.ok(ran.includes('ship api to prod as alice'), 'runs as the requester');
      const job = (await t.app.bot.jobs.list(SYSTEM_ACTOR, { limit: 1 }))[0]!;
      assert.equal(job.approvedBy, 'olga');
      assert.equal(job.requester, 'alice');
      const approved = (await audit('command.run')).find((r) => r.decision === 'approved')!;
      assert.equal(approved.decidedBy, 'olga');
      assert.equal(approved.actor, 'alice');
      assert.equal(approved.jobId, String(job.id));
    });

    test('deny with a reason, and approvals that expire', async () => {
      const req = await post('!ship web to prod', alice);
      const [card] = await repliesAfter(req);
      await post(`!deny ${nonceIn(card!.card!.text!)} "not during the sale"`, olga);
      const denied = (await messages()).find((m) => m.id === card!.id)!;
      assert.match(denied.card!.text!, /Denied by @olga: not during the sale/);

      const req2 = await post('!ship db to prod', alice);
      const [card2] = await repliesAfter(req2);
      await clock.advanceAsync(31 * 60_000);
      const late = await post(`!approve ${nonceIn(card2!.card!.text!)}`, olga);
      assert.match((await repliesAfter(late))[0]!.text, /expired/);
      assert.ok(!ran.some((r) => r.startsWith('ship web') || r.startsWith('ship db')));
    });

    test('from the API and CLI a risky command answers "pending" with the nonce to confirm', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: alice,
        payload: { line: 'restart cache' },
      });
      assert.equal(res.json().outcome, 'pending');
      assert.equal(res.json().exitCode, 0);
      const nonce = /confirm ([0-9a-z]+)/.exec(res.json().text)![1];
      const confirmed = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: alice,
        payload: { line: `confirm ${nonce}` },
      });
      assert.equal(confirmed.json().outcome, 'ok', confirmed.body);
      assert.match(confirmed.json().text, /restarted cache/, 'waits for the job and prints its result');
    });
  });
}
