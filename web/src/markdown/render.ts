// Markdown → sanitised DOM. marked turns text into HTML, DOMPurify keeps only harmless tags and
// attributes, then mentions are wrapped and code blocks get a copy button, all as DOM nodes.
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: true, async: false });

// Raw HTML in a message is shown as text, never parsed: escape it before marked sees it as HTML.
marked.use({
  renderer: {
    html(token) {
      return escapeHtml(token.text);
    },
  },
});

const ALLOWED_TAGS = [
  'a',
  'b',
  'blockquote',
  'br',
  'code',
  'del',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'strong',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
  'input',
  'span',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'type', 'checked', 'disabled', 'align'];

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    const href = node.getAttribute('href') ?? '';
    // Only web and mail links; anything else (javascript:, data:) loses its href.
    if (!/^(https?:|mailto:|\/(?!\/)|#)/i.test(href)) node.removeAttribute('href');
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
  if (node.tagName === 'INPUT' && node.getAttribute('type') !== 'checkbox') node.remove();
  if (node.tagName === 'INPUT') node.setAttribute('disabled', '');
});

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const cache = new Map<string, string>();
const CACHE_MAX = 2000;

/** Sanitised HTML for a message text, memoised (a long history re-renders the same texts). */
export function markdownHtml(text: string): string {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const raw = marked.parse(text) as string;
  const clean = DOMPurify.sanitize(raw, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|\/(?!\/)|#)/i,
  });
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(text, clean);
  return clean;
}

const MENTION = /(^|[^\w@/])@([a-z0-9][a-z0-9._-]{0,31})\b/gi;

/**
 * Fills `el` with the rendered text: mentions become highlighted spans (yours stronger), and each
 * code block gets a copy button. Everything added here is made with DOM calls on text, not HTML.
 */
export function renderMarkdownInto(el: HTMLElement, text: string, me: string | undefined): void {
  const template = document.createElement('template');
  // Safe: the string has been through DOMPurify with a tag and attribute allowlist.
  template.innerHTML = markdownHtml(text);
  const root = template.content;
  highlightMentions(root, me);
  for (const pre of root.querySelectorAll('pre')) {
    const wrap = document.createElement('div');
    wrap.className = 'code-block';
    pre.replaceWith(wrap);
    wrap.append(pre);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy-code';
    button.dataset.copy = '';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', 'Copy code');
    wrap.append(button);
  }
  el.replaceChildren(root);
}

function highlightMentions(root: DocumentFragment, me: string | undefined): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const targets: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent?.closest('code, pre, a')) continue;
    if (node.nodeValue?.includes('@')) targets.push(node as Text);
  }
  for (const node of targets) {
    const value = node.nodeValue ?? '';
    const parts: Node[] = [];
    let last = 0;
    for (const match of value.matchAll(MENTION)) {
      const start = (match.index ?? 0) + (match[1]?.length ?? 0);
      parts.push(document.createTextNode(value.slice(last, start)));
      const name = match[2] ?? '';
      const span = document.createElement('span');
      const self = name.toLowerCase() === me || name === 'here' || name === 'channel';
      span.className = self ? 'mention mention-me' : 'mention';
      span.textContent = `@${name}`;
      parts.push(span);
      last = start + name.length + 1;
    }
    if (parts.length === 0) continue;
    parts.push(document.createTextNode(value.slice(last)));
    node.replaceWith(...parts);
  }
}

/** Whether a text needs the Markdown pass at all; plain chat lines skip it. */
export function isPlain(text: string): boolean {
  return !/[*_`~[\]<>#|\\!\n]|^\s*([-+]|\d+\.)\s|https?:|@/.test(text);
}
