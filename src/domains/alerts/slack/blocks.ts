import { mrkdwnToMarkdown, plainText, safeLabel } from './mrkdwn.js';

/** What blocks and attachments add to a card while it is being assembled. */
export interface CardParts {
  title?: string;
  /** Markdown paragraphs, joined with blank lines. */
  paragraphs: string[];
  fields: { title: string; value: string; short?: boolean }[];
  footer: string[];
  color?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** A Block Kit text object (`{type: 'mrkdwn'|'plain_text', text}`) or a bare string, as Markdown. */
export function textObject(value: unknown): string | undefined {
  if (typeof value === 'string') return str(value) && mrkdwnToMarkdown(value);
  if (!isObject(value)) return undefined;
  const text = str(value.text);
  if (text === undefined) return undefined;
  return value.type === 'plain_text' ? plainText(text) : mrkdwnToMarkdown(text);
}

/**
 * Every piece of text inside an unknown block (rich_text, input, video, …), depth-first, so a block
 * Opsroom does not know still shows what it says.
 */
export function textInside(node: unknown, depth = 0): string[] {
  if (depth > 8) return [];
  if (Array.isArray(node)) return node.flatMap((n) => textInside(n, depth + 1));
  if (!isObject(node)) return [];
  const own = textObject(node.text);
  const url = str(node.url);
  const parts: string[] = [];
  if (own !== undefined) parts.push(url && node.type === 'link' ? `[${own}](${url})` : own);
  else if (url && node.type === 'link') parts.push(plainText(`<${url}>`));
  for (const key of ['title', 'label', 'alt_text', 'description']) {
    const t = textObject(node[key]);
    if (t !== undefined) parts.push(t);
  }
  // Rich text sections hold inline runs ("Hello ", bold "world"): one line, not one line per run.
  const inline = typeof node.type === 'string' && /^rich_text_(section|quote|preformatted)$/.test(node.type);
  for (const key of ['elements', 'fields', 'accessory']) {
    if (!(key in node)) continue;
    const inner = textInside(node[key], depth + 1);
    if (inline) parts.push(inner.join(''));
    else parts.push(...inner);
  }
  return parts;
}

/** `*Name:*\nvalue` (how Block Kit section fields are usually written) → a titled card field. */
function sectionField(value: unknown): { title: string; value: string; short: boolean } | undefined {
  const text = textObject(value);
  if (text === undefined) return undefined;
  const [first = '', ...rest] = text.split('\n');
  const title = safeLabel(first.replace(/\*\*/g, '').replace(/:$/, '')) || '·';
  return { title, value: rest.join('\n').trim(), short: true };
}

function linkOrLabel(element: Json): string | undefined {
  const label = textObject(element.text) ?? textObject(element.alt_text);
  const url = str(element.url) ?? str(element.image_url);
  if (url !== undefined) return plainText(label ? `<${url}|${label}>` : `<${url}>`);
  return label;
}

/** Adds one Block Kit block to the card; unknown types degrade to their text. */
export function addBlock(parts: CardParts, block: unknown): void {
  if (!isObject(block)) return;
  switch (block.type) {
    case 'header': {
      const text = textObject(block.text);
      if (text === undefined) return;
      if (parts.title === undefined) parts.title = safeLabel(text);
      else parts.paragraphs.push(`**${safeLabel(text)}**`);
      return;
    }
    case 'section': {
      const text = textObject(block.text);
      if (text !== undefined) parts.paragraphs.push(text);
      if (Array.isArray(block.fields)) {
        for (const field of block.fields) {
          const f = sectionField(field);
          if (f) parts.fields.push(f);
        }
      }
      if (isObject(block.accessory)) {
        const link = linkOrLabel(block.accessory);
        if (link !== undefined && str(block.accessory.url) !== undefined) parts.paragraphs.push(link);
      }
      return;
    }
    case 'context': {
      const bits = Array.isArray(block.elements)
        ? block.elements.flatMap((e) =>
            isObject(e) ? (textObject(e.text ?? e) ?? textObject(e.alt_text) ?? []) : [],
          )
        : [];
      if (bits.length > 0) parts.footer.push(safeLabel(bits.join(' · ')));
      return;
    }
    case 'divider':
      parts.paragraphs.push('---');
      return;
    case 'image': {
      const link = linkOrLabel({ ...block, text: block.title ?? block.alt_text });
      if (link !== undefined) parts.paragraphs.push(link);
      return;
    }
    case 'actions': {
      const links = Array.isArray(block.elements)
        ? block.elements.flatMap((e) => (isObject(e) ? (linkOrLabel(e) ?? []) : []))
        : [];
      if (links.length > 0) parts.paragraphs.push(links.join(' · '));
      return;
    }
    default: {
      const text = textInside(block).join('\n').trim();
      if (text !== '') parts.paragraphs.push(text);
    }
  }
}
