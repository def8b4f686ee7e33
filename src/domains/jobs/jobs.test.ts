import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import { FakeClock } from '../../core/clock.js';
import { defineCommand } from '../bot/command.js';
import type { Card } from '../chat/schema.js';

/** A promise the test resolves from outside: lets a job run exactly as far as the test wants. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

type Msg = { id: string; username: string; text: string; card: Card | null; editedAt?: string | null };

for (const dialect of DIALECTS) {
  describe(`jobs on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    let bob: TestUser;
    let oper: TestUser;
    const clock = new FakeClock('2026-03-01T10:00:00Z');
    const gates = new Map<string, ReturnType<typeof gate>>();
    const gateFor = (name: string) => {
      const g = gates.get(name) ?? gate();
      gates.set(name, g);
      return g;
    };

    const post = async (text: string, as: TestUser = alice) => {
      const res = await t.request({ method: 'POST', url: '/api/rooms/ops/messages', as, payload: { text } });
      assert.equal(res.statusCode, 201, res.body);
      await t.app.bot.dispatcher.drain();
      return res.json().id as string;
    };
    const botMessages = async (): Promise<Msg[]> => {
      const res = await t.request({ method: 'GET', url: '/api/rooms/ops/messages?limit=100', as: alice });
      return (res.json().messages as Msg[]).filter((m) => m.username === 'opsbot');
    };

    before(async () => {
      t = await startTestApp(dialect, { clock });
      alice = await t.user('alice', ['member']);
      bob = await t.user('bob', ['member']);
      oper = await t.user('olga', ['operator']);
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
      const registry = t.app.bot.registry;
      registry.register(
        defineCommand({
          name: 'build',
          summary: 'Prints steps, each when the test opens its gate',
          usage: ['build {{name}} [{{steps=3}}]'],
          args: { name: { type: 'string', required: true }, steps: { type: 'integer', default: 3 } },
          permission: 'bot:use',
          locks: ['build:{{name}}'],
          run: async ({ args, progress }) => {
            for (let i = 1; i <= args.steps; i++) {
              await gateFor(`${args.name}:${i}`).opened;
              progress(`step ${i} of ${args.name}\n`);
            }
            return { ok: true, exitCode: 0 };
          },
        }),
      );
      registry.register(
        defineCommand({
          name: 'hang',
          summary: 'Runs until stopped',
          permission: 'bot:use',
          timeoutMs: 60_000,
          run: ({ signal, progress }) => {
            progress('waiting forever\n');
            return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
          },
        }),
      );
      registry.register(
        defineCommand({
          name: 'stubborn',
          summary: 'Takes its time to stop, holding a lock',
          permission: 'bot:use',
          locks: ['stubborn'],
          run: ({ signal }) =>
            new Promise((resolve) => {
              signal.addEventListener(
                'abort',
                () => void gateFor('stubborn-stopped').opened.then(() => resolve('stopped')),
              );
              gateFor('stubborn-done').opened.then(() => resolve('done'));
            }),
        }),
      );
      registry.register(
        defineCommand({
          name: 'leak',
          summary: 'Prints a secret',
          permission: 'bot:use',
          run: ({ progress }) => {
            progress('password=hunt');
            progress('er2 and base64 ');
            progress(`${Buffer.from('hunter2').toString('base64')}\n`);
            return 'done with hunter2';
          },
        }),
      );
      await t.request({
        method: 'PUT',
        url: '/api/secrets/DB_PASSWORD',
        as: t.admin,
        payload: { value: 'hunter2' },
      });
    });
    after(() => t.dispose());

    test('a job streams into ONE card, updated in place, that ends with status, duration and exit code', async () => {
      await post('!build api');
      let cards = await botMessages();
      assert.equal(cards.length, 1, 'one reply: the job card');
      const cardId = cards[0]!.id;
      assert.match(cards[0]!.card!.title, /Job #\d+: build api/);
      const jobId = Number(/#(\d+)/.exec(cards[0]!.card!.title)![1]);
      const printed = async (text: string) =>
        eventually(async () => (await t.app.bot.jobs.runner.get(jobId))!.output.includes(text));
      gateFor('api:1').open();
      await printed('step 1 of api');
      clock.advance(1000);
      gateFor('api:2').open();
      await printed('step 2 of api');
      clock.advance(1000);
      await eventually(async () => {
        cards = await botMessages();
        assert.match(cards[0]!.card!.code?.content ?? '', /step 1 of api\nstep 2 of api/);
      });
      assert.equal(cards.length, 1, 'still one message');
      assert.equal(cards[0]!.card!.fields!.find((f) => f.title === 'Status')!.value, 'running');
      assert.ok(cards[0]!.card!.buttons?.some((b) => b.label === 'Cancel'));
      clock.advance(5000);
      gateFor('api:3').open();
      await t.app.bot.idle();
      cards = await botMessages();
      assert.equal(cards.length, 1);
      const card = cards[0]!.card!;
      assert.equal(cards[0]!.id, cardId);
      assert.match(card.title, /^✅/);
      const field = (name: string) => card.fields!.find((f) => f.title === name)?.value;
      assert.equal(field('Status'), 'succeeded');
      assert.equal(field('Exit code'), '0');
      assert.equal(field('Duration'), '7.0s');
      assert.equal(card.buttons, undefined, 'no Cancel button once it ended');
      // The bot's card updates leave no edit history behind.
      const edits = await t.request({ method: 'GET', url: `/api/messages/${cardId}/edits`, as: alice });
      assert.equal(edits.json().edits.length, 0);
      assert.equal(cards[0]!.editedAt ?? null, null, 'a live card is not marked edited');
    });

    test('jobs lists them; job N shows the full log; others see only their own', async () => {
      const listed = await t.app.bot.dispatcher.execute(t.app.bot.actor, 'jobs');
      assert.equal(listed.outcome, 'ok');
      const [mine] = await t.app.bot.jobs.list(await actorOf(t, 'alice'), { limit: 1 });
      const log = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: alice,
        payload: { line: `job ${mine!.id}` },
      });
      assert.match(log.json().text, /step 1 of api\nstep 2 of api\nstep 3 of api/);
      const other = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: bob,
        payload: { line: `job ${mine!.id}` },
      });
      assert.equal(other.json().outcome, 'failed');
      assert.match(other.json().text, /not found/);
      const api = await t.request({ method: 'GET', url: `/api/jobs/${mine!.id}`, as: oper });
      assert.equal(api.statusCode, 200, 'operators read every job');
      assert.equal(api.json().status, 'succeeded');
      const bad = await t.request({ method: 'GET', url: '/api/jobs/zero', as: oper });
      assert.equal(bad.statusCode, 400);
    });

    test('a named lock serialises jobs: the second waits, queued, until the first ends', async () => {
      await post('!build web 1');
      await post('!build web 1');
      await eventually(async () => {
        const jobs = await t.app.bot.jobs.list(await actorOf(t, 'alice'), { limit: 2 });
        assert.deepEqual(
          jobs.map((j) => j.status),
          ['queued', 'running'],
        );
      });
      gateFor('web:1').open();
      await t.app.bot.idle();
      const done = await t.app.bot.jobs.list(await actorOf(t, 'alice'), { limit: 2 });
      assert.deepEqual(
        done.map((j) => j.status),
        ['succeeded', 'succeeded'],
      );
      assert.ok(Date.parse(done[0]!.startedAt!) >= Date.parse(done[1]!.finishedAt!));
    });

    test('cancel: by the requester, by the card button, never by someone without jobs:cancel', async () => {
      await post('!hang');
      const [job] = await eventually(async () => {
        const running = await t.app.bot.jobs.list(await actorOf(t, 'alice'), { limit: 1, status: 'running' });
        return running.length === 1 && running;
      });
      assert.ok(job);
      const refused = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as: bob,
        payload: { line: `cancel ${job.id}` },
      });
      assert.equal(refused.json().outcome, 'failed');
      await post(`!cancel ${job.id}`);
      await t.app.bot.idle();
      const after1 = await t.app.bot.jobs.get(await actorOf(t, 'alice'), job.id);
      assert.equal(after1.status, 'cancelled');
      assert.equal(after1.cancelledBy, 'alice');

      await post('!hang');
      const [second] = await eventually(async () => {
        const running = await t.app.bot.jobs.list(await actorOf(t, 'alice'), { limit: 1, status: 'running' });
        return running.length === 1 && running;
      });
      const card = (await botMessages()).find((m) => m.card?.title.includes(`Job #${second!.id}`))!;
      const press = await t.request({
        method: 'POST',
        url: `/api/messages/${card.id}/actions`,
        as: oper,
        payload: { actionId: 'job.cancel', value: String(second!.id) },
      });
      assert.equal(press.statusCode, 202, press.body);
      await t.app.bot.idle();
      const after2 = await t.app.bot.jobs.get(await actorOf(t, 'alice'), second!.id);
      assert.equal(after2.status, 'cancelled');
      assert.equal(after2.cancelledBy, 'olga');
      const updated = (await botMessages()).find((m) => m.id === card.id)!;
      assert.match(updated.card!.title, /^⏹️/);
    });

    test('a cancelled job is over at once, but its locks wait until its body has really stopped', async () => {
      await post('!stubborn');
      const [first] = await eventually(async () => {
        const running = await t.app.bot.jobs.list(await actorOf(t, 'alice'), { limit: 1, status: 'running' });
        return running.length === 1 && running;
      });
      await post('!stubborn');
      await t.app.bot.jobs.cancel(await actorOf(t, 'alice'), first!.id);
      const waiting = (await t.app.bot.jobs.list(await actorOf(t, 'alice'), { limit: 1 }))[0]!;
      assert.equal((await t.app.bot.jobs.get(await actorOf(t, 'alice'), first!.id)).status, 'cancelled');
      assert.equal(waiting.status, 'queued', 'the lock is still held while the first one winds down');
      gateFor('stubborn-stopped').open();
      await eventually(async () => {
        const second = await t.app.bot.jobs.get(await actorOf(t, 'alice'), waiting.id);
        return second.status === 'running';
      });
      gateFor('stubborn-done').open();
      await t.app.bot.idle();
    });

    test('a job that outlives its timeout is stopped and marked timed_out', async () => {
      await post('!hang');
      const [job] = await eventually(async () => {
        const running = await t.app.bot.jobs.list(await actorOf(t, 'alice'), { limit: 1, status: 'running' });
        return running.length === 1 && running;
      });
      await clock.advanceAsync(60_000);
      await t.app.bot.idle();
      const ended = await t.app.bot.jobs.get(await actorOf(t, 'alice'), job!.id);
      assert.equal(ended.status, 'timed_out');
      assert.match(ended.summary ?? '', /Timed out after 60s/);
    });

    test('/metrics counts finished jobs by command and status, and command decisions', async () => {
      const res = await t.request({ method: 'GET', url: '/metrics', as: t.admin });
      assert.match(res.body, /opsroom_jobs_finished_total\{command="build",status="succeeded"\} 3/);
      assert.match(res.body, /opsroom_jobs_finished_total\{command="hang",status="cancelled"\} 2/);
      assert.match(res.body, /opsroom_bot_commands_total\{command="build",decision="allowed"\} 3/);
    });

    test('secrets printed by a job never reach the card, the job log or the reply', async () => {
      const reply = await t.app.bot.dispatcher.execute(await actorOf(t, 'alice'), 'leak', {
        roomId: (await t.app.chat.rooms.get(await actorOf(t, 'alice'), 'ops')).id,
        roomName: 'ops',
      });
      assert.doesNotMatch(reply.text, /hunter2|aHVudGVyMg/);
      assert.match(reply.text, /\[redacted:DB_PASSWORD\]/);
      const job = await t.app.bot.jobs.get(await actorOf(t, 'alice'), reply.jobId!);
      assert.doesNotMatch(job.output + (job.summary ?? ''), /hunter2|aHVudGVyMg/);
      const card = (await botMessages()).find((m) => m.card?.title.includes(`Job #${job.id}`))!;
      assert.doesNotMatch(JSON.stringify(card), /hunter2|aHVudGVyMg/);
    });
  });
}

async function actorOf(t: TestApp, username: string) {
  const user = await t.app.identity.requireUser(username);
  return t.app.identity.actorFor(user, 'api');
}
