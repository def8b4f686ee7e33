import { z } from 'zod';
import { CodedError, ErrorCode, ValidationError } from '../../../core/errors.js';
import type { Card } from '../../chat/schema.js';
import { addBlock, type CardParts } from './blocks.js';
import { mrkdwnToMarkdown, plainText, safeLabel, safeText, truncate } from './mrkdwn.js';

/**
 * A Slack message as incoming webhooks and chat.postMessage receive it. Slack is lenient (senders put
 * all sorts of extra keys in), so unknown keys are ignored; only the shapes Opsroom reads are checked.
 */
export const slackMessageSchema = z.looseObject({
  text: z.string().max(40_000).optional(),
  username: z.string().max(200).optional(),
  attachments: z.array(z.looseObject({})).max(100).optional(),
  blocks: z.array(z.looseObject({})).max(50).optional(),
});
export type SlackMessage = z.infer<typeof slackMessageSchema>;

const SLACK_COLORS: Record<string, Card['color']> = {
  good: 'good',
  warning: 'warning',
  danger: 'danger',
};

/** Slack's attachment colours: good/warning/danger, `#rrggbb`, `#rgb` or hex without `#`. */
export function cardColor(value: unknown): Card['color'] | undefined {
  if (typeof value !== 'string') return undefined;
  const named = SLACK_COLORS[value.toLowerCase()];
  if (named) return named;
  const hex = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(value.trim())?.[1];
  if (!hex) return undefined;
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`.toLowerCase();
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** A Slack `ts` (epoch seconds, maybe fractional, as number or string) → `2026-11-30 09:38 UTC`. */
function slackTime(value: unknown): string | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 1e11) return undefined;
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `mrkdwn_in` says which attachment fields are mrkdwn; Slack treats text and pretext as mrkdwn anyway. */
function attachmentText(value: string): string {
  return mrkdwnToMarkdown(value);
}

function addAttachment(parts: CardParts, attachment: Record<string, unknown>, first: boolean): void {
  const title = str(attachment.title);
  const link = str(attachment.title_link);
  const pretext = str(attachment.pretext);
  if (pretext) parts.paragraphs.push(attachmentText(pretext));
  if (first && title && parts.title === undefined) {
    parts.title = safeLabel(plainText(title));
    if (link) parts.paragraphs.push(plainText(`<${link}|Open in source>`));
  } else if (title) {
    parts.paragraphs.push(
      link ? `**${plainText(`<${link}|${title}>`)}**` : `**${safeLabel(plainText(title))}**`,
    );
  }
  const author = str(attachment.author_name);
  if (author) parts.paragraphs.push(`_${safeLabel(plainText(author))}_`);
  const text = str(attachment.text);
  if (text) parts.paragraphs.push(attachmentText(text));
  else if (!title && !pretext && str(attachment.fallback) && !Array.isArray(attachment.blocks))
    parts.paragraphs.push(plainText(attachment.fallback as string));
  if (Array.isArray(attachment.fields)) {
    for (const field of attachment.fields) {
      if (typeof field !== 'object' || field === null) continue;
      const f = field as Record<string, unknown>;
      const value = typeof f.value === 'string' ? attachmentText(f.value) : '';
      const fieldTitle = safeLabel(plainText(typeof f.title === 'string' ? f.title : ''));
      if (fieldTitle === '' && value.trim() === '') continue;
      parts.fields.push({ title: fieldTitle || '·', value, short: f.short === true });
    }
  }
  if (Array.isArray(attachment.blocks)) for (const block of attachment.blocks) addBlock(parts, block);
  const imageUrl = str(attachment.image_url);
  if (imageUrl) parts.paragraphs.push(plainText(`<${imageUrl}|image>`));
  const footer = str(attachment.footer);
  if (footer) parts.footer.push(safeLabel(mrkdwnToMarkdown(footer)));
  const time = slackTime(attachment.ts);
  if (time) parts.footer.push(time);
  if (parts.color === undefined) {
    const color = cardColor(attachment.color);
    if (color) parts.color = color;
  }
}

/**
 * Renders a Slack message as one Opsroom card: `text`, then legacy attachments (colour, title and
 * link, pretext, fields, footer, ts), then Block Kit blocks. Everything passes through the mrkdwn
 * sanitiser (no HTML survives) and is cut to the card's limits.
 *
 * @example
 * renderSlackCard({ text: 'Deploy *done*', attachments: [{ color: 'good', title: 'api v2' }] })
 * // → { title: 'api v2', text: 'Deploy **done**', color: 'good' }
 */
export function renderSlackCard(message: SlackMessage, fallbackTitle = 'Message'): Card {
  const parts: CardParts = { paragraphs: [], fields: [], footer: [] };
  const blocks = message.blocks ?? [];
  const attachments = message.attachments ?? [];
  // With blocks present, Slack shows the blocks and uses `text` only for notifications.
  const text = str(message.text);
  if (text && blocks.length === 0) parts.paragraphs.push(mrkdwnToMarkdown(text));
  for (const block of blocks) addBlock(parts, block);
  attachments.forEach((attachment, i) => {
    addAttachment(parts, attachment, i === 0 && blocks.length === 0);
  });
  if (text && blocks.length > 0 && parts.title === undefined) parts.title = safeLabel(plainText(text));
  const username = str(message.username);
  if (username) parts.footer.push(`via ${safeLabel(plainText(username))}`);

  let title = parts.title;
  let paragraphs = parts.paragraphs.filter((p) => p.trim() !== '');
  if (title === undefined || title === '') {
    // No title anywhere: the first line of the text is the title, the rest stays the text.
    const [first = '', ...rest] = paragraphs.join('\n\n').split('\n');
    title = safeLabel(first.replace(/\*\*/g, ''));
    paragraphs = rest.length > 0 ? [rest.join('\n')] : [];
    if (title === '') title = safeLabel(username ?? fallbackTitle) || fallbackTitle;
  }
  const body = truncate(safeText(paragraphs.join('\n\n')).trim(), 4000);
  const card: Card = { title: truncate(title, 200) };
  if (body !== '') card.text = body;
  if (parts.color) card.color = parts.color;
  if (parts.fields.length > 0)
    card.fields = parts.fields.slice(0, 25).map((f) => ({
      title: truncate(f.title, 100),
      value: truncate(safeText(f.value), 1000),
      ...(f.short ? { short: true } : {}),
    }));
  const footer = parts.footer.filter((f) => f !== '').join(' · ');
  if (footer !== '') card.footer = truncate(footer, 300);
  return card;
}

/** Parses a Slack body (already JSON-decoded) or throws the coded error Slack's `no_text` maps to. */
export function parseSlackMessage(body: unknown): SlackMessage {
  const parsed = slackMessageSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `invalid_payload: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'not a Slack message'}`,
    );
  }
  const m = parsed.data;
  if (!str(m.text) && (m.attachments ?? []).length === 0 && (m.blocks ?? []).length === 0)
    throw new ValidationError('no_text: send text, attachments or blocks');
  return m;
}

/** A `payload=` form field (or a JSON string where Slack allows one) → its JSON value. */
export function parseJsonField(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CodedError(ErrorCode.BadJson, `${name} is not valid JSON: ${(error as Error).message}`);
  }
}
