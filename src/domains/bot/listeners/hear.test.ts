import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/support/app.js';
import { DIALECTS } from '../../../../test/support/databases.js';
import { ConflictError, ValidationError } from '../../../core/errors.js';
import { createBotVoice } from './bot-voice.js';
import { createClaim } from './claims.js';
import { type HearContext, HearListeners, HearRunner } from './hear.js';
import { InFlight } from './in-flight.js';

describe('HearListeners (matching only)', () => {
  test('returns the listeners whose regex matches, with their captures, in order', () => {
    const hear = new HearListeners();
    hear.add(/disk (\w+) full/, () => {}, { id: 'disk' });
    hear.add('^deploy (?<app>\\w+)', () => {}, { id: 'deploy' });
    hear.add(/full/i, () => {}, { id: 'full' });
    assert.deepEqual(hear.match('nothing to see'), []);
    const matches = hear.match('disk sda1 FULL, disk sda1 full');
    assert.deepEqual(
      matches.map((m) => [m.listener.id, m.match[0]]),
      [
        ['disk', 'disk sda1 full'],
        ['full', 'FULL'],
      ],
    );
    assert.equal(matches[0]!.match[1], 'sda1');
    assert.equal(hear.match('deploy api now')[0]!.match.groups?.app, 'api');
  });

  test('a global regex is made stateless, so it matches every time', () => {
    const hear = new HearListeners();
    hear.add(/ping/g, () => {});
    for (let i = 0; i < 3; i++) assert.equal(hear.match('ping').length, 1);
  });

  test('remove, duplicate ids and bad regex text', () => {
    const hear = new HearListeners();
    const remove = hear.add(/a/, () => {}, { id: 'a' });
    assert.throws(() => hear.add(/b/, () => {}, { id: 'a' }), ConflictError);
    assert.throws(() => hear.add('(unclosed', () => {}), ValidationError);
    assert.equal(hear.size, 1);
    remove();
    assert.equal(hear.size, 0);
    assert.deepEqual(hear.match('a'), []);
  });
});

for (const dialect of DIALECTS) {
  describe(`hear listeners in a running app on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    const logged: { msg?: string; listener?: string }[] = [];
    const post = async (text: string, extra: Record<string, unknown> = {}) => {
      const res = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        as: alice,
        payload: { text, ...extra },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; roomId: string };
    };
    const settle = async () => {
      await t.app.bot.idle();
      await t.app.extensions.listeners.drain();
    };
    const botReplies = async (afterId: string, threadId?: string) => {
      const thread = threadId ? `&threadId=${threadId}` : '';
      const history = (
        await t.request({ method: 'GET', url: `/api/rooms/ops/messages?limit=20${thread}`, as: alice })
      ).json().messages as { id: string; username: string; text: string; threadId: string | null }[];
      return history.filter((m) => m.username === 'opsbot' && m.id > afterId);
    };
    before(async () => {
      const logger = pino(
        { level: 'error' },
        { write: (line: string) => void logged.push(JSON.parse(line)) },
      );
      t = await startTestApp(dialect, { logger });
      alice = await t.user('alice');
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'quiet' } });
    });
    after(() => t.dispose());

    test('a match gets the message, the room and a reply in the same room', async () => {
      const seen: HearContext[] = [];
      const remove = t.app.extensions.listeners.hear.add(/disk (\S+) is full/i, async (ctx) => {
        seen.push(ctx);
        await ctx.reply(`Looking at ${ctx.match[1]} for @${ctx.message.username}`);
      });
      try {
        const message = await post('Disk /var is full again');
        await settle();
        assert.equal(seen.length, 1);
        assert.equal(seen[0]!.room.name, 'ops');
        assert.equal(seen[0]!.message.id, message.id);
        const replies = await botReplies(message.id);
        assert.deepEqual(
          replies.map((r) => r.text),
          ['Looking at /var for @alice'],
        );
        await post('nothing to hear here');
        await settle();
        assert.equal(seen.length, 1);
      } finally {
        remove();
      }
    });

    test("the bot's own messages are never heard, so a reply cannot loop", async () => {
      let calls = 0;
      const remove = t.app.extensions.listeners.hear.add(/echo|loop/, async ({ reply }) => {
        calls++;
        await reply('loop');
      });
      try {
        await post('loop once');
        await settle();
        await settle();
        assert.equal(calls, 1);
        const message = await post('!echo hello from the bot');
        await settle();
        assert.equal(calls, 2, 'the command message is heard, the bot answer is not');
        assert.ok((await botReplies(message.id)).some((r) => r.text === 'hello from the bot'));
      } finally {
        remove();
      }
    });

    test('a reply to a message in a thread stays in the thread; rooms: limits where it listens', async () => {
      const root = await post('thread root');
      let calls = 0;
      const remove = t.app.extensions.listeners.hear.add(
        /^status\?$/,
        async ({ reply }) => {
          calls++;
          await reply('all green');
        },
        { rooms: ['#ops'] },
      );
      try {
        const asked = await post('status?', { threadId: root.id });
        await settle();
        const [reply] = await botReplies(asked.id, root.id);
        assert.equal(reply?.text, 'all green');
        assert.equal(reply?.threadId, root.id);
        await t.request({
          method: 'POST',
          url: '/api/rooms/quiet/messages',
          as: alice,
          payload: { text: 'status?' },
        });
        await settle();
        assert.equal(calls, 1, 'not heard in #quiet');
      } finally {
        remove();
      }
    });

    test('exactly once per listener, even when a message is delivered twice or seen by two nodes', async () => {
      let calls = 0;
      const handler = () => {
        calls++;
      };
      const remove = t.app.extensions.listeners.hear.add(/^once please$/, handler, { id: 'once' });
      // A second "node": its own listener set and runner with the same listener id, on the same database.
      const otherListeners = new HearListeners();
      otherListeners.add(/^once please$/, handler, { id: 'once' });
      const otherInFlight = new InFlight();
      const other = new HearRunner({
        listeners: otherListeners,
        chat: t.app.chat,
        bot: t.app.bot.actor,
        claim: createClaim(t.app.database.db, t.app.clock),
        say: createBotVoice({ chat: t.app.chat, bot: t.app.bot.actor, redact: (x) => x }),
        inFlight: otherInFlight,
        onError: (error) => assert.fail(String(error)),
      });
      const detach = other.attach(t.app.bus);
      try {
        const message = await post('once please');
        await settle();
        await otherInFlight.drain();
        assert.equal(calls, 1);
        // Delivered again (a retry, a replayed event): the claim is already taken.
        const events = (
          await t.request({ method: 'GET', url: '/api/rooms/ops/events?after=0&limit=1000', as: alice })
        ).json().events as { event: string; roomId: string; seq: number; data: { id?: string } }[];
        const event = events.find((e) => e.event === 'message.created' && e.data.id === message.id)!;
        t.app.bus.publish('message.created', {
          roomId: event.roomId,
          seq: event.seq,
          frame: JSON.stringify(event),
          data: event.data as never,
        });
        await settle();
        await otherInFlight.drain();
        assert.equal(calls, 1);
      } finally {
        detach();
        remove();
      }
    });

    test('a handler that throws is logged with its id; the others still run', async () => {
      let ran = false;
      const removeBad = t.app.extensions.listeners.hear.add(
        /^boom$/,
        () => {
          throw new Error('handler exploded');
        },
        { id: 'exploding' },
      );
      const removeGood = t.app.extensions.listeners.hear.add(/^boom$/, () => {
        ran = true;
      });
      try {
        await post('boom');
        await settle();
        assert.ok(ran);
        assert.ok(
          logged.some((l) => l.listener === 'exploding'),
          JSON.stringify(logged),
        );
      } finally {
        removeBad();
        removeGood();
      }
    });
  });
}
