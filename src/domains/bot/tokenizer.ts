/**
 * Splits a command line into tokens the way people expect from a shell, adjusted for chat:
 * - whitespace separates tokens; "double" and 'single' quotes group words, with backslash escapes;
 * - a quote opens only at the start of a token or right after `=`, so `don't` and `5'10"` are words,
 *   not unbalanced quotes; typographic quotes (“…”, ‘…’) that chat clients insert count as quotes;
 * - `key=value` and `key="a value"` become pair tokens, which the parser treats as named arguments or
 *   extras.
 * Every token keeps its offsets so errors can point at a column and a greedy argument can take the
 * line verbatim.
 */
import { ValidationError } from '../../core/errors.js';

/** Command lines longer than this are refused before any work is done. */
export const MAX_COMMAND_LINE = 4096;

export interface Token {
  /** The text with quotes and escapes resolved; for a pair, the value. */
  value: string;
  /** Offset of the first character in the line. */
  start: number;
  /** Offset just past the last character in the line. */
  end: number;
  /**
   * True when any part was quoted or escaped: such a token is taken whole (never split at glued
   * punctuation, never read as a keyword), and its value differs from the raw text.
   */
  quoted: boolean;
  /** The key of a `key=value` token, exactly as typed. */
  key?: string;
}

/** A tokenizer error that knows the 1-based column it refers to. */
export class CommandSyntaxError extends ValidationError {
  readonly column: number;
  constructor(message: string, column: number) {
    super(message, [{ path: `column ${column}`, message }]);
    this.column = column;
  }
}

export interface TokenizeOptions {
  maxLength?: number;
}

// Opening quote → the characters that may close it.
const CLOSERS: Record<string, string> = {
  '"': '"',
  '“': '”"',
  '”': '”',
  "'": "'",
  '‘': '’',
};

// Character-code tests rather than regexes: this loop sees every character of every command.
function isKeyStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}
function isKeyChar(code: number): boolean {
  return isKeyStart(code) || (code >= 48 && code <= 57) || code === 46 || code === 45;
}

// Plain ASCII whitespace (space, tab, newline, carriage return) plus the no-break space that
// rich-text clients paste in.
function isSpaceCode(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 0xa0;
}

/** The characters that open a quote: the keys of CLOSERS. */
function isQuoteCode(code: number): boolean {
  return code === 34 || code === 39 || code === 0x201c || code === 0x201d || code === 0x2018;
}

const BACKSLASH = 92;
const EQUALS = 61;

// C0 controls other than tab, newline and carriage return, and DEL: chat refuses them in messages,
// a terminal would obey them when a reply quotes the line, and PostgreSQL cannot store NUL at all.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Tokenizes a command line; throws CommandSyntaxError (a ValidationError) for unbalanced quotes,
 * control characters and lines over `maxLength`.
 */
export function tokenize(line: string, options: TokenizeOptions = {}): Token[] {
  const maxLength = options.maxLength ?? MAX_COMMAND_LINE;
  if (line.length > maxLength) {
    throw new CommandSyntaxError(
      `Command line is too long: ${line.length} characters, at most ${maxLength} are accepted`,
      maxLength + 1,
    );
  }
  const control = CONTROL_CHARACTER.exec(line);
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new CommandSyntaxError(
      `The command line contains a control character (U+${code}) at column ${control.index + 1}: remove it`,
      control.index + 1,
    );
  }
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpaceCode(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    let key: string | undefined;
    if (isKeyStart(line.charCodeAt(i))) {
      let j = i + 1;
      while (j < n && isKeyChar(line.charCodeAt(j))) j++;
      if (line[j] === '=') {
        key = line.slice(i, j);
        i = j + 1;
      }
    }
    // Plain stretches are sliced out of the line, not built a character at a time.
    let value = '';
    let plainFrom = i;
    let quoted = false;
    let canOpenQuote = true;
    while (i < n) {
      const code = line.charCodeAt(i);
      if (isSpaceCode(code)) break;
      if (canOpenQuote && isQuoteCode(code)) {
        const read = readQuoted(line, i, CLOSERS[line[i]!]!);
        value += line.slice(plainFrom, i) + read.value;
        i = read.next;
        plainFrom = i;
        quoted = true;
        canOpenQuote = false;
        continue;
      }
      if (code === BACKSLASH && i + 1 < n) {
        const next = line.charCodeAt(i + 1);
        // Outside quotes a backslash escapes only what would otherwise be special, so regexes and
        // Windows-looking paths survive unchanged.
        if (isSpaceCode(next) || next === BACKSLASH || isQuoteCode(next)) {
          value += line.slice(plainFrom, i) + line[i + 1]!;
          i += 2;
          plainFrom = i;
          quoted = true;
          canOpenQuote = false;
          continue;
        }
      }
      canOpenQuote = code === EQUALS;
      i++;
    }
    value += line.slice(plainFrom, i);
    const token: Token = { value, start, end: i, quoted };
    if (key !== undefined) token.key = key;
    tokens.push(token);
  }
  return tokens;
}

function readQuoted(line: string, open: number, closers: string): { value: string; next: number } {
  const opener = line[open]!;
  const single = opener === "'" || opener === '‘';
  let value = '';
  let i = open + 1;
  while (i < line.length) {
    const char = line[i]!;
    if (closers.includes(char)) return { value, next: i + 1 };
    if (char === '\\' && i + 1 < line.length) {
      const next = line[i + 1]!;
      if (next === '\\' || closers.includes(next) || next === opener) {
        value += next;
        i += 2;
        continue;
      }
      if (!single && next === 'n') {
        value += '\n';
        i += 2;
        continue;
      }
      if (!single && next === 't') {
        value += '\t';
        i += 2;
        continue;
      }
    }
    value += char;
    i++;
  }
  const closer = closers[0]!;
  throw new CommandSyntaxError(
    `Unclosed quote: the ${opener} at column ${open + 1} has no closing ${closer}. ` +
      `Add a ${closer} after the quoted text, or write \\${opener} for a literal quote.`,
    open + 1,
  );
}

/** Writes a value so that tokenize reads it back as one token with that exact value. */
export function quoteToken(value: string): string {
  if (value !== '' && !/[\s"'\\“”‘’=]/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
