import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';

for (const dialect of DIALECTS) {
  describe(`the bot on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    const say = async (room: string, text: string, as: TestUser = alice) => {
      const res = await t.request({
        method: 'POST',
        url: `/api/rooms/${room}/messages`,
        as,
        payload: { text },
      });
      assert.equal(res.statusCode, 201, res.body);
      await t.app.bot.dispatcher.drain();
      const history = (
        await t.request({ method: 'GET', url: `/api/rooms/${room}/messages?limit=5`, as })
      ).json().messages;
      const mine = history.findIndex((m: { id: string }) => m.id === res.json().id);
      return history.slice(mine + 1) as { username: string; text: string }[];
    };
    before(async () => {
      t = await startTestApp(dialect);
      alice = await t.user('alice');
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
    });
    after(() => t.dispose());

    test('answers every way of addressing it, exactly once', async () => {
      for (const text of ['!ping', '/ping', '@opsbot ping', 'opsbot: ping']) {
        const replies = await say('ops', text);
        assert.equal(replies.length, 1, text);
        assert.equal(replies[0]!.username, 'opsbot');
        assert.match(replies[0]!.text, /^pong/);
      }
      assert.deepEqual(await say('ops', 'ping without a prefix'), []);
    });

    test('help lists the built-ins; a typo gets "did you mean"', async () => {
      const [help] = await say('ops', '!help');
      for (const name of ['help', 'whoami', 'ping', 'echo', 'version'])
        assert.match(help!.text, new RegExp(name));
      const [typo] = await say('ops', '!pign');
      assert.match(typo!.text, /Did you mean `ping`/);
      const [usage] = await say('ops', '!echo');
      assert.match(usage!.text, /Usage:/);
      const [whoami] = await say('ops', '!whoami');
      assert.match(whoami!.text, /@alice \(roles: member/);
    });

    test('a message handled once is never answered again, even if seen twice', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        as: alice,
        payload: { text: '!echo once' },
      });
      await t.app.bot.dispatcher.drain();
      const event = (
        await t.request({ method: 'GET', url: '/api/rooms/ops/events?after=0&limit=1000', as: alice })
      )
        .json()
        .events.find((e: { data: { id?: string } }) => e.data.id === res.json().id);
      t.app.bus.publish('message.created', {
        roomId: event.roomId,
        seq: event.seq,
        frame: JSON.stringify(event),
        data: event.data,
      });
      await t.app.bot.dispatcher.drain();
      const history = (
        await t.request({ method: 'GET', url: '/api/rooms/ops/messages?limit=10', as: alice })
      ).json().messages;
      assert.equal(
        history.filter(
          (m: { text: string; username: string }) => m.username === 'opsbot' && m.text === 'once',
        ).length,
        1,
      );
    });

    test('in a direct conversation no prefix is needed; private rooms work too', async () => {
      const dm = await t.request({
        method: 'POST',
        url: '/api/dms',
        as: alice,
        payload: { username: 'opsbot' },
      });
      assert.equal(dm.statusCode, 200, dm.body);
      const [reply] = await say(dm.json().name, 'version');
      assert.match(reply!.text, /^Opsroom \d/);
      await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: 'quiet', kind: 'private' },
      });
      const [inPrivate] = await say('quiet', '!echo psst');
      assert.equal(inPrivate!.text, 'psst');
    });

    test('a secret value never reaches chat through the bot', async () => {
      await t.app.secrets.set(SYSTEM_ACTOR, 'DB_PASSWORD', 'hunter2-very-secret');
      const [reply] = await say('ops', '!echo the password is hunter2-very-secret');
      assert.equal(reply!.text, 'the password is [redacted:DB_PASSWORD]');
      const run = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: alice,
        payload: { line: 'echo hunter2-very-secret' },
      });
      assert.equal(run.json().text, '[redacted:DB_PASSWORD]');
      await t.app.audit.drain();
      const audited = await t.request({
        method: 'GET',
        url: '/api/audit?action=command.run&limit=5',
        as: t.admin,
      });
      const lines = JSON.stringify(audited.json());
      assert.match(lines, /echo \[redacted:DB_PASSWORD\]/, 'the run is audited');
      assert.ok(!lines.includes('hunter2-very-secret'), 'without the secret');
    });

    test('POST /api/bot/run answers with an outcome and exit code', async () => {
      const ok = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: alice,
        payload: { line: 'echo hi there' },
      });
      assert.deepEqual(
        { ...(ok.json() as object), card: undefined },
        { outcome: 'ok', exitCode: 0, command: 'echo', text: 'hi there', card: undefined, jobId: null },
      );
      const usage = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: alice,
        payload: { line: 'echo "unbalanced' },
      });
      assert.equal(usage.json().exitCode, 2);
      const huge = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: alice,
        payload: { line: `echo ${'x'.repeat(99_000)}` },
      });
      assert.equal(huge.json().outcome, 'usage');
      const commands = (await t.request({ method: 'GET', url: '/api/bot/commands', as: alice })).json()
        .commands;
      assert.ok(commands.some((c: { name: string }) => c.name === 'echo'));
      const jobs = commands.find((c: { name: string }) => c.name === 'jobs');
      assert.deepEqual(jobs.args[0], {
        name: 'status',
        type: 'enum',
        required: false,
        values: ['running', 'queued', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'],
      });
      assert.equal(jobs.risk, 'none');
    });
  });
}
