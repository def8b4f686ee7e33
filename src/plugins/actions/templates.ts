/**
 * The small template language of action manifests. There is no code in it, only names:
 * - `{{arg}}`: an argument's value (in URLs, URL-encoded);
 * - `{{ secret.NAME }}`: a stored secret, filled by the secrets service;
 * - in an HTTP reply, `{{ response.status }}`, `{{ response.body.items.0.name }}`, `{{ args.name }}`:
 *   dotted paths into plain data, never into prototypes.
 * Arguments and secrets are filled in one pass over the template's own text, so a user's argument that
 * reads `{{ secret.X }}` stays literal text and never reveals a secret.
 */
import type { AnyArgValue } from '../../domains/bot/arg-types.js';

const ARG = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const SECRET = /\{\{\s*secret\.[^\s{}]*\s*\}\}/;
const ANY = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PATH = /^(response|args)((?:\.[A-Za-z0-9_-]+)*)$/;

/** Fills `{{ secret.NAME }}`; the secrets service's `render`. `encode` applies to each value. */
export type RenderSecrets = (
  text: string,
  options?: { encode?: (value: string) => string },
) => Promise<string>;

export type ArgValues = Readonly<Record<string, AnyArgValue | undefined>>;

/** An argument value as text: times as ISO-8601, the rest as typed. */
export function argText(value: AnyArgValue | undefined): string {
  if (value === undefined) return '';
  return value instanceof Date ? value.toISOString() : String(value);
}

/** The argument names a template uses. */
export function argNames(template: string): string[] {
  return [...template.matchAll(ARG)].map((m) => m[1]!);
}

export function usesSecrets(template: string): boolean {
  return SECRET.test(template);
}

/**
 * Problems with a template's placeholders: unknown arguments, and anything that is neither an argument
 * nor (when allowed) a secret.
 */
export function templateProblems(template: string, known: readonly string[], secrets: boolean): string[] {
  const problems: string[] = [];
  for (const match of template.matchAll(ANY)) {
    const inner = match[1]!;
    if (/^secret\.[A-Z][A-Z0-9_]*$/.test(inner)) {
      if (!secrets) problems.push(`'{{ ${inner} }}': secrets cannot be used here`);
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(inner)) {
      if (!known.includes(inner)) problems.push(`'{{${inner}}}' is not a declared parameter`);
    } else {
      problems.push(`'{{${inner}}}' is neither a parameter nor {{ secret.NAME }}`);
    }
  }
  return problems;
}

export interface FillOptions {
  /** Applied to each argument value (encodeURIComponent in a URL). */
  encodeArg?: (value: string) => string;
  /** Fills secrets; without it a secret reference is left as written. */
  renderSecrets?: RenderSecrets;
  /** Applied to each secret value. */
  encodeSecret?: (value: string) => string;
}

/** Fills `{{arg}}` and `{{ secret.NAME }}` in one pass; a missing optional argument becomes ''. */
export async function fillTemplate(
  template: string,
  args: ArgValues,
  options: FillOptions = {},
): Promise<string> {
  const encodeArg = options.encodeArg ?? ((v: string) => v);
  const parts: string[] = [];
  let last = 0;
  for (const match of template.matchAll(ARG)) {
    parts.push(await literal(template.slice(last, match.index), options));
    parts.push(encodeArg(argText(args[match[1]!])));
    last = match.index + match[0].length;
  }
  parts.push(await literal(template.slice(last), options));
  return parts.join('');
}

async function literal(text: string, options: FillOptions): Promise<string> {
  if (options.renderSecrets === undefined || !SECRET.test(text)) return text;
  return options.renderSecrets(text, options.encodeSecret ? { encode: options.encodeSecret } : {});
}

/** Problems with an HTTP reply template: every placeholder must be `response.…` or `args.<param>`. */
export function replyTemplateProblems(template: string, known: readonly string[]): string[] {
  const problems: string[] = [];
  for (const match of template.matchAll(ANY)) {
    const inner = match[1]!;
    const path = PATH.exec(inner);
    if (!path) {
      problems.push(
        `'{{${inner}}}' must be a dotted path such as {{ response.status }}, {{ response.body.items.0.name }} or {{ args.name }}`,
      );
    } else if (path[1] === 'args') {
      const name = path[2]!.slice(1).split('.')[0] ?? '';
      if (!known.includes(name)) problems.push(`'{{${inner}}}': '${name}' is not a declared parameter`);
    }
  }
  return problems;
}

const MAX_VALUE_TEXT = 1_000;

/** Fills a reply template from plain data; a path that leads nowhere becomes ''. */
export function renderReply(template: string, data: { response: unknown; args: unknown }): string {
  return template.replace(ANY, (whole, inner: string) => {
    const path = PATH.exec(inner);
    if (!path) return whole;
    const keys = path[2] === '' ? [] : path[2]!.slice(1).split('.');
    return show(lookup(path[1] === 'args' ? data.args : data.response, keys));
  });
}

/** Walks own properties and array indexes only: `__proto__` or `constructor` lead nowhere. */
export function lookup(root: unknown, keys: readonly string[]): unknown {
  let at: unknown = root;
  for (const key of keys) {
    if (Array.isArray(at)) {
      if (!/^\d+$/.test(key)) return undefined;
      at = at[Number(key)];
    } else if (at !== null && typeof at === 'object' && Object.hasOwn(at, key)) {
      at = (at as Record<string, unknown>)[key];
    } else return undefined;
  }
  return at;
}

function show(value: unknown): string {
  if (value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT)}…` : text;
}
