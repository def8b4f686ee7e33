import type { Actor } from '../../core/actor.js';
import type { ChatDomain } from '../chat/index.js';
import type { Card } from '../chat/schema.js';
import type { JobCards, JobWhere } from '../jobs/runner.js';

/** What the bot posts and updates in rooms: replies, job cards, proposal cards. */
export interface BotMessages extends JobCards {}

/** Posts as the bot, joining the room first when needed (the bot is in every room it speaks in). */
export function botMessages(chat: ChatDomain, bot: Actor): BotMessages {
  const join = (roomId: string) =>
    chat.rooms.ensureMember(roomId, { userId: bot.userId, username: bot.username });
  return {
    async post(where: JobWhere, card: Card) {
      await join(where.roomId);
      const message = await chat.messages.post(bot, where.roomId, {
        text: '',
        card,
        ...(where.threadId ? { threadId: where.threadId } : {}),
      });
      return message.id;
    },
    async update(messageId: string, card: Card) {
      await chat.messages.edit(bot, messageId, { card }, { keepHistory: false });
    },
    async say(where: JobWhere, message: { text?: string; card?: Card }) {
      await join(where.roomId);
      await chat.messages.post(bot, where.roomId, {
        text: message.text ?? '',
        ...(message.card ? { card: message.card } : {}),
        ...(where.threadId ? { threadId: where.threadId } : {}),
      });
    },
  };
}
