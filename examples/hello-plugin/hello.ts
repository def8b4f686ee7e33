/**
 * An example Opsroom plugin: two commands with typed arguments, a `hear` listener that keeps a
 * count in the plugin's brain, and a weekday-morning schedule. Copy this file into `plugins/` of
 * your server (or point `plugins.dir` here) and it loads at start, no build step needed.
 */
import { defineCommand, definePlugin } from 'opsroom';

/** Where the morning greeting goes. */
export const MORNING_ROOM = 'general';

export const hello = defineCommand({
  name: 'hello',
  aliases: ['hi'],
  summary: 'Say hello',
  usage: ['hello {{who=world}}'],
  args: { who: { type: 'string', rest: true, description: 'Who to greet' } },
  permission: 'bot:use',
  examples: ['hello', 'hello ops team'],
  run: ({ args }) => `Hello, ${args.who}!`,
});

export const coffee = defineCommand({
  name: 'coffee',
  summary: 'Order coffee for someone',
  usage: ['coffee {{count}} for {{who}} [{{size=medium}}]'],
  args: {
    count: { type: 'integer', min: 1, max: 12, required: true, description: 'How many cups' },
    who: { type: 'user', required: true, description: 'Who gets them' },
    size: { type: 'enum', values: ['small', 'medium', 'large'], default: 'medium' },
  },
  permission: 'bot:use',
  examples: ['coffee 2 for @alice', 'coffee 1 for bob large'],
  run: ({ args, actor }) =>
    `@${actor.username} ordered ${args.count} ${args.size} coffee${args.count === 1 ? '' : 's'} for @${args.who}.`,
});

export default definePlugin({
  name: 'hello',
  description: 'Greetings, coffee and a morning hello',
  commands: [hello, coffee],
  setup(api) {
    // Anyone thanking the bot gets an answer; the brain counts thanks per person (in memory).
    api.hear(/\bthanks?,?\s+(?:@?opsbot)\b/i, async ({ message, reply }) => {
      const who = message.username ?? 'friend';
      const count = (api.brain.get<number>(`thanks:${who}`) ?? 0) + 1;
      api.brain.set(`thanks:${who}`, count);
      await reply(
        count === 1 ? `You're welcome, @${who}!` : `You're welcome again, @${who} (${count} times now).`,
      );
    });
    // 09:00 UTC, Monday to Friday: exactly one node posts it, whatever the number of nodes.
    api.schedule('0 9 * * 1-5', () => api.say(MORNING_ROOM, 'Good morning! `!help` lists what I can do.'), {
      id: 'morning',
    });
    api.logger.info('hello plugin ready');
  },
});
