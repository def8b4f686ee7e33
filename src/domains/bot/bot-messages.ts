import type { Actor } from '../../core/actor.js';
import type { ChatDomain } from '../chat/index.js';
import type { Card, PostMessageInput } from '../chat/schema.js';
import type { StagedMessage } from '../chat/staged-message.js';
import type { JobCards, JobWhere } from '../jobs/runner.js';

/** What the bot posts and updates in rooms: replies, job cards, proposal cards. */
export interface BotMessages extends JobCards {
  /**
   * The same three, checked and built now (outside any transaction), written inside the caller's
   * transaction and published after its commit (see StagedMessage): an alert card and the group that
   * owns it commit together.
   */
  stage: StagedCards;
}

export interface StagedCards {
  post(where: JobWhere, card: Card): Promise<StagedMessage>;
  update(messageId: string, card: Card): Promise<StagedMessage>;
  say(where: JobWhere, message: { text?: string; card?: Card }): Promise<StagedMessage>;
}

// A card the bot posts is built by our own renderers (alert groups, jobs, proposals), which clip and
// clean every text. Checking it with chat's zod schema cost ~150 µs a card in the alert pipeline, more
// than rendering it. `isCanonicalCard` is the same rules as `cardSchema` (chat/schema.ts) written as
// plain checks, answering true only when that schema would accept the card AND return it unchanged
// (nothing to trim or lower-case, no unknown or undefined keys); then the message service stores it
// as is. Anything else (false) goes through the schema as before, which cleans it or says what is wrong.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const HANDLE = /^[a-z0-9][a-z0-9._-]*$/;
const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const COLORS: ReadonlySet<unknown> = new Set(['good', 'warning', 'danger', 'info', 'neutral']);
const STYLES: ReadonlySet<unknown> = new Set(['default', 'primary', 'danger']);
const CARD_KEYS: ReadonlySet<string> = new Set([
  'title',
  'text',
  'color',
  'fields',
  'code',
  'buttons',
  'footer',
]);
const FIELD_KEYS: ReadonlySet<string> = new Set(['title', 'value', 'short']);
const CODE_KEYS: ReadonlySet<string> = new Set(['language', 'content']);
const BUTTON_KEYS: ReadonlySet<string> = new Set(['actionId', 'label', 'style', 'value']);

/** `freeText(max)`: well-formed, no control characters but \t \n \r. */
function free(v: unknown, max: number): boolean {
  return typeof v === 'string' && v.length <= max && v.isWellFormed() && !FORBIDDEN_CONTROLS.test(v);
}

/** `labelText(max)` with nothing for its trim to change. */
function label(v: unknown, max: number): boolean {
  return (
    typeof v === 'string' &&
    v.length >= 1 &&
    v.length <= max &&
    v.trim() === v &&
    v.isWellFormed() &&
    !ANY_CONTROL.test(v)
  );
}

/** A plain object whose keys are all allowed and none holds `undefined`. */
function shaped(v: unknown, keys: ReadonlySet<string>): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in v) {
    if (!Object.hasOwn(v, key)) return false;
    if (!keys.has(key) || (v as Record<string, unknown>)[key] === undefined) return false;
  }
  return true;
}

/** True when chat's `cardSchema` would accept `card` and give it back unchanged (see above). */
export function isCanonicalCard(card: unknown): card is Card {
  if (!shaped(card, CARD_KEYS) || !label(card.title, 200)) return false;
  if ('text' in card && !free(card.text, 4000)) return false;
  if ('footer' in card && !free(card.footer, 300)) return false;
  if (
    'color' in card &&
    !COLORS.has(card.color) &&
    !(typeof card.color === 'string' && HEX_COLOR.test(card.color))
  )
    return false;
  if ('fields' in card) {
    const fields = card.fields;
    if (!Array.isArray(fields) || fields.length > 25) return false;
    for (const f of fields) {
      if (!shaped(f, FIELD_KEYS) || !label(f.title, 100) || !free(f.value, 1000)) return false;
      if ('short' in f && typeof f.short !== 'boolean') return false;
    }
  }
  if ('code' in card) {
    const code = card.code;
    if (!shaped(code, CODE_KEYS) || !free(code.content, 20_000)) return false;
    if ('language' in code && !label(code.language, 40)) return false;
  }
  if ('buttons' in card) {
    const buttons = card.buttons;
    if (!Array.isArray(buttons) || buttons.length > 10) return false;
    for (const b of buttons) {
      if (!shaped(b, BUTTON_KEYS) || !label(b.label, 60)) return false;
      const id = b.actionId;
      if (typeof id !== 'string' || id.length > 64 || !HANDLE.test(id)) return false;
      if ('style' in b && !STYLES.has(b.style)) return false;
      if ('value' in b && !free(b.value, 500)) return false;
    }
  }
  return true;
}

/** A thread id as the post schema takes it (a message id of ours). */
const threadOk = (id: string | undefined) => id === undefined || (id.length >= 1 && id.length <= 64);

/** Posts as the bot, joining the room first when needed (the bot is in every room it speaks in). */
export function botMessages(chat: ChatDomain, bot: Actor): BotMessages {
  const join = (roomId: string) =>
    chat.rooms.ensureMember(roomId, { userId: bot.userId, username: bot.username });
  const cardPost = (where: JobWhere, card: Card) =>
    [
      { text: '', card, ...(where.threadId ? { threadId: where.threadId } : {}) },
      undefined,
      isCanonicalCard(card) && threadOk(where.threadId),
    ] as const;
  const reply = (where: JobWhere, message: { text?: string; card?: Card }): PostMessageInput => ({
    text: message.text ?? '',
    ...(message.card ? { card: message.card } : {}),
    ...(where.threadId ? { threadId: where.threadId } : {}),
  });
  const live = (card: Card) => [{ card }, { keepHistory: false, checked: isCanonicalCard(card) }] as const;
  return {
    async post(where: JobWhere, card: Card) {
      await join(where.roomId);
      return (await chat.messages.post(bot, where.roomId, ...cardPost(where, card))).id;
    },
    async update(messageId: string, card: Card) {
      await chat.messages.edit(bot, messageId, ...live(card));
    },
    async say(where: JobWhere, message: { text?: string; card?: Card }) {
      await join(where.roomId);
      await chat.messages.post(bot, where.roomId, reply(where, message));
    },
    stage: {
      async post(where, card) {
        await join(where.roomId);
        return chat.messages.stagePost(bot, where.roomId, ...cardPost(where, card));
      },
      update: (messageId, card) => chat.messages.stageEdit(bot, messageId, ...live(card)),
      async say(where, message) {
        await join(where.roomId);
        return chat.messages.stagePost(bot, where.roomId, reply(where, message));
      },
    },
  };
}
