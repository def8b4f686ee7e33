/**
 * Slack's `mrkdwn` and plain text → Opsroom Markdown that carries no HTML. Slack escapes `<`, `>` and
 * `&` as entities and uses `<…>` only for links and mentions; anything else between angle brackets
 * is someone's HTML and is dropped. The one invariant every output keeps: no `<` directly followed by
 * a letter, `/`, `!` or `?`, i.e. nothing a browser could read as a tag.
 */

// C0/C1 controls but tab and newline: chat text refuses them (carriage returns are folded into \n).
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const ALL_CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
const ANGLE = /<([^<>\n]{0,2000})>/g;
const SAFE_URL = /^(https?:\/\/|mailto:)[^\s<>"'`]+$/i;
const TAG_START = /<(?=[A-Za-z/!?])/g;
// A Markdown link or image whose target is a script URL: the target is replaced, the label kept.
const SCRIPT_LINK = /\]\(\s*(?:javascript|vbscript|data|file):[^)]*\)/gi;

/** Slack's `<…>` constructs: links, user/channel mentions, special mentions, dates; HTML is dropped. */
function convertAngle(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
  if (target.startsWith('@')) return `@${label?.replace(/^@/, '') ?? target.slice(1)}`;
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  if (target.startsWith('!')) {
    const special = target.slice(1).split('^')[0];
    if (special === 'here' || special === 'channel' || special === 'everyone') return '@here';
    return label ?? '';
  }
  if (SAFE_URL.test(target)) {
    const url = target.replace(/[()]/g, (c) => encodeURIComponent(c));
    return label !== undefined && label.trim() !== '' ? `[${escapeBrackets(label)}](${url})` : url;
  }
  // `<b>`, `</div>`, `<script src=…>`, `<!-- … -->`: raw HTML, never shown.
  if (/^\/?[A-Za-z][\w-]*(\s|\/|$)/.test(inner) || inner.startsWith('!--')) return '';
  return label ?? target;
}

function escapeBrackets(text: string): string {
  return text.replace(/[[\]]/g, (c) => `\\${c}`);
}

function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|#39);/g, (_, name: string) =>
    name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'amp' ? '&' : name === 'quot' ? '"' : "'",
  );
}

/** Control characters out, lone surrogates repaired, `<` that could open a tag neutralised. */
export function safeText(text: string): string {
  return text
    .toWellFormed()
    .replace(/\r\n?/g, '\n')
    .replace(CONTROLS, '')
    .replace(TAG_START, '‹')
    .replace(SCRIPT_LINK, '](#)');
}

/** One line for titles and labels: every control character (newlines too) becomes a space. */
export function safeLabel(text: string): string {
  return safeText(text).replace(ALL_CONTROLS, ' ').replace(/\s+/g, ' ').trim();
}

/** Slack `mrkdwn` → Markdown: `*bold*` → `**bold**`, `~strike~` → `~~strike~~`, links, mentions. */
export function mrkdwnToMarkdown(text: string): string {
  const linked = text.replace(ANGLE, (_, inner: string) => convertAngle(inner));
  const styled = linked
    .replace(/(^|[\s(_~])\*([^*\n]+?)\*(?=$|[\s).,;:!?_~])/gm, '$1**$2**')
    .replace(/(^|[\s(*_])~([^~\n]+?)~(?=$|[\s).,;:!?*_])/gm, '$1~~$2~~');
  return safeText(decodeEntities(styled));
}

/** Slack `plain_text` (entities still decoded, as Slack shows them) made safe. */
export function plainText(text: string): string {
  return safeText(decodeEntities(text.replace(ANGLE, (_, inner: string) => convertAngle(inner))));
}

/** Cuts to `max` characters (code points kept whole), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
