import type { Actor } from '../../../core/actor.js';
import type { ChatDomain } from '../../chat/index.js';
import type { Card } from '../../chat/schema.js';
import { renderSlackCard, type SlackMessage } from './render.js';

/** Where a Slack-compatible hook posts: resolved from the token in its URL by the integrations. */
export interface SlackHookTarget {
  integrationId: string;
  roomId: string;
}

/** Looks a hook token up (hashed, constant time: the integrations' business); undefined when unknown. */
export type SlackHookResolver = (token: string) => Promise<SlackHookTarget | undefined>;

/** How the hook posts: as the bot, joining the room first (see bot/bot-messages.ts). */
export interface SlackHookPoster {
  post(where: { roomId: string; threadId?: string }, card: Card): Promise<string>;
  update(messageId: string, card: Card): Promise<void>;
}

// Alertmanager's default Slack title (its `__subject` template):
//   `[FIRING:2] <group label values> (<values of the other common labels>)` or `[RESOLVED] …`.
// The group label values name the group. The bracketed part does not: it changes when the alerts in the
// group change (an inhibited alert that joins the resolved message leaves fewer labels in common).
// Custom titles (`title: '{{ .CommonLabels.alertname }} is {{ .Status }}'`) name the group once their
// status words are taken out.
const STATUS_PREFIX = /^\[(FIRING(?::\d+)?|RESOLVED)\]\s*/i;
const COMMON_LABELS = /\s*\([^()]*\)\s*$/;
const STATUS_WORD = /\b(?:firing|resolved)\b(?::\d+)?/gi;
const EDGE_PUNCTUATION = /^[\s\-–—:|,.]+|[\s\-–—:|,.]+$/g;
const ALERTMANAGER_LINK = '/#/alerts?receiver=';

/**
 * The subject of a default title with no group label values (`group_by: []`: `[FIRING:3]  (node)`): the
 * receiver's one group. Its common labels change as alerts come and go, so they cannot name it.
 */
export const WHOLE_RECEIVER = '{}';

/** The title without its status: the same for every message about one group. */
export function alertSubject(title: string): string {
  const prefixed = STATUS_PREFIX.test(title);
  let subject = title.replace(STATUS_PREFIX, '');
  if (prefixed) {
    subject = subject.replace(COMMON_LABELS, '');
    if (subject.trim() === '') return WHOLE_RECEIVER;
  }
  return subject.replace(STATUS_WORD, ' ').replace(EDGE_PUNCTUATION, '').replace(/\s+/g, ' ').trim();
}

export function alertStatus(card: Card): 'firing' | 'resolved' {
  const prefix = STATUS_PREFIX.exec(card.title)?.[1];
  if (prefix !== undefined) return /^resolved/i.test(prefix) ? 'resolved' : 'firing';
  if (/\bresolved\b/i.test(card.title)) return 'resolved';
  if (/\bfiring\b/i.test(card.title)) return 'firing';
  // Alertmanager's default colour template: danger while firing, good once resolved.
  return card.color === 'good' ? 'resolved' : 'firing';
}

/** An HTTP `User-Agent` Alertmanager's notifiers send (`Alertmanager/0.25.0`). */
export function isAlertmanagerAgent(userAgent: string | undefined): boolean {
  return userAgent !== undefined && /^Alertmanager\//i.test(userAgent);
}

/**
 * Sent by Alertmanager's `slack_configs`: its User-Agent (a config may replace every default), its
 * title shape, its alerts link, or its default username.
 */
function fromAlertmanager(message: SlackMessage, card: Card, agent: boolean): boolean {
  if (agent || STATUS_PREFIX.test(card.title)) return true;
  if (message.username?.toLowerCase() === 'alertmanager') return true;
  return (message.attachments ?? []).some(
    (a) => typeof a.title_link === 'string' && a.title_link.includes(ALERTMANAGER_LINK),
  );
}

/**
 * The group a Slack message speaks for, when Alertmanager sent it (given the message) or when a stored
 * card looks like one it rendered (without).
 */
export function alertGroupOf(
  card: Card,
  message?: SlackMessage,
  agent = false,
): { status: 'firing' | 'resolved'; subject: string } | undefined {
  if (
    message
      ? !fromAlertmanager(message, card, agent)
      : !(STATUS_PREFIX.test(card.title) || card.footer?.includes('via '))
  )
    return undefined;
  const subject = alertSubject(card.title);
  return subject === '' ? undefined : { status: alertStatus(card), subject };
}

/**
 * `POST /hooks/slack/:token`: each message becomes a card in the hook's room. Messages Alertmanager's
 * `slack_configs` sends (`[FIRING:n] subject` / `[RESOLVED] subject` by default; custom titles too, by
 * their alerts link, username or the request's User-Agent) update the card of their group in place
 * instead, whichever of an HA pair sends them, and the card's thread gets a line when the status changes. Slack payloads carry no fingerprint, so the subject's group label values
 * are the key; the id of the group's card is remembered per hook and, after a restart, found
 * again among the room's recent cards.
 */
export class SlackIncomingWebhook {
  private readonly cards = new Map<string, KnownCard>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: {
      poster: SlackHookPoster;
      chat: ChatDomain;
      /** The poster's identity, to find its earlier cards after a restart. */
      bot: Actor;
      /** How many recent messages to look through for a group's card after a restart. */
      lookback?: number;
    },
  ) {}

  /**
   * Renders and posts (or updates) the card; resolves once it is committed. `sender.alertmanager`: the
   * request came from Alertmanager (its User-Agent), whatever its templates made of the message.
   */
  async receive(
    target: SlackHookTarget,
    message: SlackMessage,
    sender: { alertmanager?: boolean } = {},
  ): Promise<{ messageId: string; updated: boolean }> {
    const card = renderSlackCard(message, 'Incoming webhook');
    const group = alertGroupOf(card, message, sender.alertmanager === true);
    if (!group) {
      return { messageId: await this.deps.poster.post({ roomId: target.roomId }, card), updated: false };
    }
    const key = `${target.integrationId}\n${target.roomId}\n${group.subject}`;
    // One group's messages are applied in arrival order, so an HA pair's twins cannot make two cards.
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.upsert(key, target, card, group));
    this.queues.set(key, run);
    try {
      return await run;
    } finally {
      if (this.queues.get(key) === run) this.queues.delete(key);
    }
  }

  private async upsert(
    key: string,
    target: SlackHookTarget,
    card: Card,
    group: { status: 'firing' | 'resolved'; subject: string },
  ): Promise<{ messageId: string; updated: boolean }> {
    const known = this.cards.get(key) ?? (await this.findCard(target.roomId, group.subject));
    if (known === undefined) {
      const id = await this.deps.poster.post({ roomId: target.roomId }, card);
      this.remember(key, { id, card });
      return { messageId: id, updated: false };
    }
    const before = alertStatus(known.card);
    await this.deps.poster.update(known.id, card);
    this.remember(key, { id: known.id, card });
    // The thread records each change of state; a twin or a resend with the same status adds nothing.
    if (before !== group.status) {
      await this.deps.poster.post(
        { roomId: target.roomId, threadId: known.id },
        { title: card.title, ...(card.color ? { color: card.color } : {}) },
      );
    }
    return { messageId: known.id, updated: true };
  }

  private remember(key: string, card: KnownCard): void {
    this.cards.delete(key);
    this.cards.set(key, card);
    // A bounded memory: the oldest groups are forgotten first and found again in the room if needed.
    if (this.cards.size > MAX_REMEMBERED) {
      const oldest = this.cards.keys().next().value;
      if (oldest !== undefined) this.cards.delete(oldest);
    }
  }

  /** The newest card of this group among the room's recent top-level messages by the poster. */
  private async findCard(roomId: string, subject: string): Promise<KnownCard | undefined> {
    // The bot may not be able to read the room yet (a private room it never posted in): no card then.
    const recent = await this.deps.chat.messages
      .history(this.deps.bot, roomId, { limit: this.deps.lookback ?? 200 })
      .catch(() => []);
    for (const message of recent.reverse()) {
      if (message.userId !== this.deps.bot.userId || message.card === null || message.deletedAt !== null)
        continue;
      if (message.threadId !== null) continue;
      if (alertGroupOf(message.card)?.subject === subject) return { id: message.id, card: message.card };
    }
    return undefined;
  }
}

interface KnownCard {
  id: string;
  card: Card;
}

const MAX_REMEMBERED = 10_000;
