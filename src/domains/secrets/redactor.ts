/**
 * Replaces secret values in text with `[redacted:NAME]`. Besides the plain value it knows the forms a
 * value commonly takes on its way into output: URL-encoded (curl lines, query strings), JSON-escaped
 * (log lines) and base64 (`echo $TOKEN | base64`, HTTP Basic auth headers).
 */

export interface SecretEntry {
  name: string;
  value: string;
}

/** Shorter values would match ordinary text everywhere; the service refuses to store them. */
export const MIN_REDACTED_LENGTH = 4;
/** Base64 of a value embedded at an unknown offset: only runs this long are specific enough to cut. */
const MIN_EMBEDDED_BASE64 = 8;

export function redactionLabel(name: string): string {
  return `[redacted:${name}]`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const toUrlAlphabet = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * The base64 characters that depend only on `bytes` when they sit at byte offset `shift` (0, 1 or 2)
 * inside a longer encoded input: the characters sharing bits with neighbours are dropped.
 */
function embeddedBase64(bytes: Buffer, shift: number): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
  const first = Math.ceil((shift * 8) / 6);
  const end = Math.floor(((shift + bytes.length) * 8) / 6);
  return encoded.slice(first, end);
}

/** Every form of `value` that should be cut from output. */
export function formsOf(value: string): Set<string> {
  const forms = new Set<string>([value]);
  forms.add(encodeURIComponent(value));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  forms.add(JSON.stringify(value).slice(1, -1));
  const bytes = Buffer.from(value, 'utf8');
  for (const whole of [bytes, Buffer.concat([bytes, Buffer.from('\n')])]) {
    const b64 = whole.toString('base64');
    forms.add(b64);
    forms.add(toUrlAlphabet(b64));
  }
  for (let shift = 0; shift < 3; shift++) {
    const core = embeddedBase64(bytes, shift);
    if (core.length < MIN_EMBEDDED_BASE64) continue;
    forms.add(core);
    forms.add(toUrlAlphabet(core));
  }
  for (const form of forms) if (form.length < MIN_REDACTED_LENGTH) forms.delete(form);
  return forms;
}

export interface SecretMatch {
  index: number;
  length: number;
  name: string;
}

/**
 * An immutable snapshot over a set of secrets: one RegExp alternating every form, longest first, so a
 * value that contains another is cut whole and the engine scans the text once however many secrets
 * there are.
 */
/** Secrets whose longest form is at most this long get a prefix index (a few KB each). */
const MAX_PREFIX_INDEXED = 256;

export class Redactor {
  static readonly EMPTY = new Redactor([]);

  /** The longest form, in UTF-16 units: how much text a streaming redactor must hold back. */
  readonly maxLength: number;
  readonly #pattern: RegExp | undefined;
  readonly #names = new Map<string, string>();
  /** Every proper prefix of every form (for short secrets): lets a stream hold back only what may start one. */
  readonly #prefixes: Set<string> | undefined;
  readonly #sticky: RegExp | undefined;

  constructor(entries: Iterable<SecretEntry>) {
    for (const { name, value } of entries) {
      if (value.length < MIN_REDACTED_LENGTH) continue;
      for (const form of formsOf(value)) if (!this.#names.has(form)) this.#names.set(form, name);
    }
    const forms = [...this.#names.keys()].sort((a, b) => b.length - a.length);
    this.maxLength = forms[0]?.length ?? 0;
    if (this.maxLength <= MAX_PREFIX_INDEXED) {
      this.#prefixes = new Set();
      for (const form of forms) for (let i = 1; i < form.length; i++) this.#prefixes.add(form.slice(0, i));
    }
    this.#pattern = forms.length === 0 ? undefined : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
    this.#sticky = this.#pattern && new RegExp(this.#pattern.source, 'y');
  }

  /**
   * Whether `fragment` could be the start of a secret form that continues past it: true for any proper
   * prefix of a form; always true when the forms are too long to index (the caller then holds back).
   */
  mayStartSecret(fragment: string): boolean {
    if (this.#prefixes === undefined || this.#prefixes.has(fragment)) return true;
    // A whole (shorter) form may start here while a longer one that starts the same is still unknown.
    const sticky = this.#sticky!;
    sticky.lastIndex = 0;
    return sticky.test(fragment);
  }

  get empty(): boolean {
    return this.#pattern === undefined;
  }

  redact(text: string): string {
    if (this.#pattern === undefined || text.length < MIN_REDACTED_LENGTH) return text;
    return text.replace(this.#pattern, (form) => redactionLabel(this.#names.get(form) ?? '?'));
  }

  /** Redacts every string inside a JSON-like value (audit arguments, card fields); returns a copy. */
  redactValue<T>(value: T): T {
    if (this.#pattern === undefined) return value;
    return this.#deep(value) as T;
  }

  /** Matches left to right, without overlaps, as `redact` replaces them. */
  *matches(text: string): Generator<SecretMatch> {
    if (this.#pattern === undefined) return;
    for (const m of text.matchAll(this.#pattern)) {
      yield { index: m.index, length: m[0].length, name: this.#names.get(m[0]) ?? '?' };
    }
  }

  #deep(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.#deep(item));
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.#deep(v)]));
    }
    return value;
  }
}

/**
 * Redacts output that arrives in chunks (a job's stdout), where a secret may be split between two
 * chunks. It holds back the last `maxLength - 1` characters until the next chunk (or `end()`) shows
 * whether they start a secret, so what it emits is exactly what `redact` of the whole text would give.
 * `current` is asked on every chunk, so secrets set or removed during a long job take effect at once.
 */
export class StreamRedactor {
  #pending = '';

  constructor(private readonly current: () => Redactor) {}

  /** Redacted text that is safe to emit now; may be shorter than the input. */
  push(chunk: string): string {
    const redactor = this.current();
    const text = this.#pending + chunk;
    if (redactor.empty) {
      this.#pending = '';
      return text;
    }
    // A match starting before `safe` is decided: even the longest form would end inside `text`.
    const safe = text.length - (redactor.maxLength - 1);
    let out = '';
    let cursor = 0;
    for (const match of redactor.matches(text)) {
      if (match.index >= safe) break;
      out += text.slice(cursor, match.index) + redactionLabel(match.name);
      cursor = match.index + match.length;
    }
    let keepFrom = Math.max(cursor, safe);
    // Hold back only from the first place where the rest could still grow into a secret, so a live
    // card shows "step 2" rather than "ste" while the job waits.
    while (keepFrom < text.length && !redactor.mayStartSecret(text.slice(keepFrom))) keepFrom++;
    out += text.slice(cursor, keepFrom);
    this.#pending = text.slice(keepFrom);
    return out;
  }

  /** The held-back rest, redacted. Call once when the output ends. */
  end(): string {
    const rest = this.current().redact(this.#pending);
    this.#pending = '';
    return rest;
  }
}
