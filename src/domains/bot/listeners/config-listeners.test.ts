import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/support/app.js';
import { DIALECTS } from '../../../../test/support/databases.js';
import { GLOBAL_EVENT_NAMES, ROOM_EVENT_NAMES } from '../../../config/plugins-schema.js';
import { FakeClock } from '../../../core/clock.js';
import type { EventType } from '../../../core/events.js';
import { ROOM_STREAM_EVENTS } from '../../chat/events.js';
import '../../identity/events.js';
import '../../secrets/events.js';
import { defineCommand } from '../command.js';
import { fillCaptures } from './config-listeners.js';

// Compile-time: every event name the config accepts is a real, typed event.
const _configurable: readonly EventType[] = [...ROOM_EVENT_NAMES, ...GLOBAL_EVENT_NAMES];

describe('configured listeners: pieces', () => {
  test('every room stream event is configurable', () => {
    assert.deepEqual([...ROOM_EVENT_NAMES].sort(), [...ROOM_STREAM_EVENTS].sort());
    assert.ok(_configurable.length > ROOM_EVENT_NAMES.length);
  });

  test('captures fill {{1}} and {{name}}, each quoted as one argument', () => {
    const match = /^disk (\S+) on (?<host>.+)$/.exec('disk /var on web "1"; rm x')!;
    assert.equal(
      fillCaptures('disk {{1}} host={{ host }} {{9}}', match),
      'disk /var host="web \\"1\\"; rm x" {{9}}',
    );
  });
});

for (const dialect of DIALECTS) {
  describe(`listeners from opsroom.yaml, end to end on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    const clock = new FakeClock('2026-04-01T08:59:30Z');
    const logged: { msg?: string; err?: { message?: string } }[] = [];
    const settle = async () => {
      for (let i = 0; i < 2; i++) {
        await t.app.extensions.listeners.drain();
        await t.app.bot.idle();
      }
    };
    /** What the bot said in a room since the last call: text, or a card's body. */
    let seenUpTo = '';
    const botSaid = async (room = 'ops') => {
      const messages = (
        await t.request({ method: 'GET', url: `/api/rooms/${room}/messages?limit=50`, as: alice })
      )
        .json()
        .messages.filter(
          (m: { id: string; username: string }) => m.username === 'opsbot' && m.id > seenUpTo,
        ) as {
        id: string;
        text: string;
        card: { text?: string; title: string } | null;
      }[];
      for (const m of messages) if (m.id > seenUpTo) seenUpTo = m.id;
      return messages.map((m) => (m.text !== '' ? m.text : (m.card?.text ?? m.card?.title ?? '')));
    };
    const post = async (text: string, room = 'ops') => {
      const res = await t.request({
        method: 'POST',
        url: `/api/rooms/${room}/messages`,
        as: alice,
        payload: { text },
      });
      assert.equal(res.statusCode, 201, res.body);
      await settle();
      return res.json() as { id: string };
    };

    before(async () => {
      t = await startTestApp(dialect, {
        clock,
        logger: pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) }),
        config: {
          listeners: [
            { hear: '(?i)^disk (\\S+) is full$', run: 'echo checking {{1}}' },
            { hear: '^who is on duty\\?$', room: 'ops', as: 'carol', run: 'whoami' },
            { hear: '^show the audit$', run: 'audit' },
            { cron: '0 9 * * *', room: 'ops', as: 'carol', run: 'echo good morning' },
            { on: 'message.pinned', as: 'carol', run: 'echo something was pinned' },
            { on: 'secret.set', room: 'ops', as: 'carol', run: 'echo a secret changed' },
            { id: 'ghostly', hear: '^boo$', as: 'ghost', run: 'ping' },
            // Runs a job when a job finishes: the job it starts must not trigger it again.
            { on: 'job.finished', room: 'dev', as: 'carol', run: 'work' },
          ],
        },
      });
      t.app.bot.registry.register(
        defineCommand({ name: 'work', summary: 'A job', permission: 'bot:use', run: () => 'worked' }),
      );
      alice = await t.user('alice');
      await t.user('carol', ['operator']);
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'dev' } });
      await botSaid();
    });
    after(() => t.dispose());

    test('hear runs the command line as the author, with the captures filled in', async () => {
      await post('DISK /var is full');
      assert.deepEqual(await botSaid(), ['checking /var']);
      await post('disk is fine');
      assert.deepEqual(await botSaid(), []);
    });

    test('hear with as: runs as that user, only in its room', async () => {
      await post('who is on duty?');
      const [reply] = await botSaid();
      assert.match(reply ?? '', /You are @carol \(roles: operator/);
      await post('who is on duty?', 'dev');
      assert.deepEqual(await botSaid('dev'), []);
    });

    test('policy applies: the author may not run what they may not type', async () => {
      await post('show the audit');
      const [reply] = await botSaid();
      // `audit` is for admins: a member is refused (and not even shown it exists).
      assert.match(reply ?? '', /permission|don't know the command `audit`/i);
    });

    test('cron runs at the due time, as the configured user, into its room', async () => {
      await clock.advanceAsync(29_000);
      await settle();
      assert.deepEqual(await botSaid(), []);
      await clock.advanceAsync(1_000);
      await settle();
      assert.deepEqual(await botSaid(), ['good morning']);
      await clock.advanceAsync(24 * 3600_000);
      await settle();
      assert.deepEqual(await botSaid(), ['good morning'], 'again the next day, once');
    });

    test('events: a pin answers in its room; a global event answers in the configured room', async () => {
      const message = await post('pin me', 'dev');
      const pin = await t.request({ method: 'PUT', url: `/api/messages/${message.id}/pin`, as: alice });
      assert.equal(pin.statusCode, 200, pin.body);
      await settle();
      assert.deepEqual(await botSaid('dev'), ['something was pinned']);
      await t.request({
        method: 'PUT',
        url: '/api/secrets/DEPLOY_TOKEN',
        as: t.admin,
        payload: { value: 'not-telling-you' },
      });
      await settle();
      assert.deepEqual(await botSaid(), ['a secret changed']);
    });

    test('a job started by a listener does not trigger listeners again', async () => {
      await post('!work', 'dev');
      await settle();
      await settle();
      const said = await botSaid('dev');
      // alice's job, then the one job the listener started when it finished; nothing after that.
      assert.deepEqual(said, ['worked', 'worked']);
    });

    test('a listener whose user does not exist is logged and says nothing', async () => {
      await post('boo');
      assert.deepEqual(await botSaid(), []);
      assert.ok(
        logged.some((l) => /ghostly: user 'ghost' is unknown/.test(l.err?.message ?? '')),
        JSON.stringify(logged),
      );
    });
  });
}
