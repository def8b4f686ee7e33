import type { Actor } from '../../../core/actor.js';
import { NotFoundError, ValidationError } from '../../../core/errors.js';
import type { ChatDomain } from '../../chat/index.js';
import type { Card } from '../../chat/schema.js';
import type { CommandReply } from '../command.js';

/** What a listener says: Markdown text, a card, or both. */
export type ListenerMessage = string | CommandReply;

/** Posts as the bot into a room (by id or name), optionally in a thread. */
export type Say = (room: string, message: ListenerMessage, threadId?: string) => Promise<void>;

const MAX_TEXT = 39_000;

/**
 * The bot's voice for listeners and plugins: joins the room if needed (the bot is in every room),
 * removes secret values from text and card, and cuts text that would not fit in a message.
 */
export function createBotVoice(deps: {
  chat: ChatDomain;
  bot: Actor;
  redact: (text: string) => string;
}): Say {
  return async (roomRef, message, threadId) => {
    const room = await deps.chat.rooms.describe(roomRef);
    if (!room) throw new NotFoundError('room', roomRef);
    const reply: CommandReply = typeof message === 'string' ? { text: message } : message;
    let text = deps.redact(reply.text ?? '');
    if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT)}\n… (cut)`;
    const card = reply.card && (JSON.parse(deps.redact(JSON.stringify(reply.card))) as Card);
    if (text.trim() === '' && card === undefined) throw new ValidationError('a reply needs text or a card');
    await deps.chat.rooms.ensureMember(room.id, { userId: deps.bot.userId, username: deps.bot.username });
    await deps.chat.messages.post(deps.bot, room.id, {
      text,
      ...(card ? { card } : {}),
      ...(threadId ? { threadId } : {}),
    });
  };
}
