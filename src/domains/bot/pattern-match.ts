/**
 * Matches tokens against a compiled usage pattern by backtracking over the small pattern tree.
 * Working on tokens rather than one regex over the raw line is what lets quoting work (`"to"` is a
 * value, never the keyword) and keeps error positions exact. Optional groups are tried before being
 * skipped; a placeholder inside a token (`api/feature-x`) may end only where a glued literal of the
 * pattern occurs, so the search stays bounded by the pattern's size, not the input's.
 */
import type { CompiledPattern, LiteralNode, PatternNode, PlaceholderNode } from './pattern.js';
import type { Token } from './tokenizer.js';

// A safety net only: with the bounded split points above, real patterns need a few dozen steps.
const MAX_STEPS = 20_000;

export interface MatchInput {
  /** Positional tokens: key=value pairs already taken out (the parser decides what they are). */
  tokens: readonly Token[];
  line: string;
  /** Offset just past the last token of the whole line, pairs included: where a greedy arg ends. */
  lineEnd: number;
  /** Lower-case words accepted for the pattern's leading literal (name and aliases), longest first. */
  headWords: readonly string[];
  /** Arguments given as key=value: their placeholders match nothing. */
  skip: ReadonlySet<string>;
  /** Greedy (rest) arguments: they take the rest of the line verbatim. */
  greedy: ReadonlySet<string>;
}

export type Expected = { kind: 'literal'; text: string } | { kind: 'arg'; name: string } | { kind: 'end' };

export interface MatchSuccess {
  ok: true;
  /** Raw string values by argument name, defaults from the pattern included. */
  values: Map<string, string>;
  /** Arguments whose value came from a `{{name=default}}` in the pattern. */
  defaulted: Set<string>;
  /** Line offset where a greedy argument began: pairs after it belong to that argument. */
  greedyFrom?: number;
}

export interface MatchFailure {
  ok: false;
  /** Index of the token where matching got furthest. */
  token: number;
  /** 0-based offset in the line of that point. */
  offset: number;
  /** What was there (rest of the token), or undefined at the end of the line. */
  got?: string;
  expected: Expected[];
  tooComplex?: boolean;
}

export type MatchResult = MatchSuccess | MatchFailure;

/** What to match after the current node: the rest of a sequence, then the enclosing one. */
interface Frame {
  nodes: readonly PatternNode[];
  k: number;
  top: boolean;
  next: Frame | null;
}

export function matchPattern(pattern: CompiledPattern, input: MatchInput): MatchResult {
  return new Matcher(pattern, input).run();
}

// Continuations are plain frames, not closures: this runs for every message addressed to the bot.
class Matcher {
  private steps = 0;
  private readonly values = new Map<string, string>();
  private greedyFrom: number | undefined;
  private failT = -1;
  private failC = 0;
  // What could have come at the furthest point: the nodes themselves (END for the end of the line),
  // turned into Expected only when the match fails, so a match that succeeds builds none.
  private expected: (LiteralNode | PlaceholderNode | typeof END)[] = [];
  private tooComplex = false;

  constructor(
    private readonly pattern: CompiledPattern,
    private readonly input: MatchInput,
  ) {}

  run(): MatchResult {
    const { tokens } = this.input;
    if (this.seq(this.pattern.nodes, 0, 0, 0, true, null)) {
      const defaulted = new Set<string>();
      this.collectDefaults(this.pattern.nodes, defaulted);
      const success: MatchSuccess = { ok: true, values: this.values, defaulted };
      if (this.greedyFrom !== undefined) success.greedyFrom = this.greedyFrom;
      return success;
    }
    const token = tokens[this.failT];
    const failure: MatchFailure = {
      ok: false,
      token: this.failT,
      offset: token ? token.start + this.failC : this.input.lineEnd,
      expected: expectedOf(this.expected),
    };
    if (token) failure.got = token.value.slice(this.failC);
    if (this.tooComplex) failure.tooComplex = true;
    return failure;
  }

  private collectDefaults(nodes: readonly PatternNode[], defaulted: Set<string>): void {
    for (const node of nodes) {
      if (node.type === 'optional') this.collectDefaults(node.nodes, defaulted);
      else if (node.type === 'placeholder' && node.default !== undefined && !this.values.has(node.name)) {
        if (this.input.skip.has(node.name)) continue;
        this.values.set(node.name, node.default);
        defaulted.add(node.name);
      }
    }
  }

  /** Records the furthest point reached and what could have come there, for the error message. */
  private fail(t: number, c: number, expected: LiteralNode | PlaceholderNode | typeof END): void {
    if (t > this.failT || (t === this.failT && c > this.failC)) {
      this.failT = t;
      this.failC = c;
      this.expected.length = 0;
    }
    if (t !== this.failT || c !== this.failC) return;
    if (!this.expected.includes(expected)) this.expected.push(expected);
  }

  private continueAt(frame: Frame | null, t: number, c: number): boolean {
    if (frame !== null) return this.seq(frame.nodes, frame.k, t, c, frame.top, frame.next);
    if (t === this.input.tokens.length && c === 0) return true;
    this.fail(t, c, END);
    return false;
  }

  private seq(
    nodes: readonly PatternNode[],
    k: number,
    t: number,
    c: number,
    top: boolean,
    next: Frame | null,
  ): boolean {
    if (++this.steps > MAX_STEPS) {
      this.tooComplex = true;
      return false;
    }
    const node = nodes[k];
    if (node === undefined) return this.continueAt(next, t, c);
    const after: Frame = { nodes, k: k + 1, top, next };
    if (node.type === 'optional') {
      return this.seq(node.nodes, 0, t, c, false, after) || this.continueAt(after, t, c);
    }
    if (node.type === 'literal') return this.literal(node, top && k === 0, t, c, after);
    return this.placeholder(node, t, c, after);
  }

  private literal(node: LiteralNode, isHead: boolean, t: number, c: number, after: Frame): boolean {
    const token = this.input.tokens[t];
    // A literal that is not glued needs a space before it, i.e. must start a token.
    if (token !== undefined && !token.quoted && (c === 0 || node.glued)) {
      if (isHead) {
        for (const word of this.input.headWords)
          if (this.literalWord(node, word, token, t, c, after)) return true;
      } else if (this.literalWord(node, node.lower, token, t, c, after)) {
        return true;
      }
    }
    this.fail(t, c, node);
    return false;
  }

  private literalWord(
    node: LiteralNode,
    word: string,
    token: Token,
    t: number,
    c: number,
    after: Frame,
  ): boolean {
    const end = c + word.length;
    if (end > token.value.length || !sameLowerCase(token.value, c, word)) return false;
    if (end === token.value.length) return this.continueAt(after, t + 1, 0);
    return node.mayEndMidToken && this.continueAt(after, t, end);
  }

  private placeholder(node: PlaceholderNode, t: number, c: number, after: Frame): boolean {
    if (this.input.skip.has(node.name)) return this.continueAt(after, t, c);
    const { tokens } = this.input;
    const token = tokens[t];
    if (token === undefined || (c > 0 && (!node.glued || token.quoted))) {
      this.fail(t, c, node);
      return false;
    }
    if (this.input.greedy.has(node.name)) {
      // Verbatim from here to the end of the line, so spacing and quotes inside survive; a lone
      // token gives its unquoted value so `echo "hi there"` says hi there.
      const from = token.start + c;
      const value =
        c === 0 && token.end === this.input.lineEnd
          ? token.value
          : this.input.line.slice(from, this.input.lineEnd);
      this.values.set(node.name, value);
      this.greedyFrom = from;
      if (this.continueAt(after, tokens.length, 0)) return true;
      this.values.delete(node.name);
      this.greedyFrom = undefined;
      return false;
    }
    const text = c === 0 ? token.value : token.value.slice(c);
    if (!node.mayEndMidToken || token.quoted) {
      this.values.set(node.name, text);
      if (this.continueAt(after, t + 1, 0)) return true;
    } else {
      for (const end of this.splitPoints(text)) {
        this.values.set(node.name, text.slice(0, end));
        if (end === text.length ? this.continueAt(after, t + 1, 0) : this.continueAt(after, t, c + end))
          return true;
      }
    }
    this.values.delete(node.name);
    return false;
  }

  /** Where a placeholder may end inside `text`: at the first glued literal of each kind, then the end. */
  private splitPoints(text: string): number[] {
    const lower = text.toLowerCase();
    const points: number[] = [];
    for (const glue of this.pattern.glueLiterals) {
      const at = lower.indexOf(glue, 1);
      if (at > 0 && !points.includes(at)) points.push(at);
    }
    points.sort((a, b) => a - b);
    points.push(text.length);
    return points;
  }
}

const END = Symbol('end of line');

/** What was expected, once each (two literal nodes with the same text are one expectation). */
function expectedOf(nodes: readonly (LiteralNode | PlaceholderNode | typeof END)[]): Expected[] {
  const out: Expected[] = [];
  const seen = new Set<string>();
  for (const node of nodes) {
    const expected: Expected =
      node === END
        ? { kind: 'end' }
        : node.type === 'literal'
          ? { kind: 'literal', text: node.text }
          : { kind: 'arg', name: node.name };
    const key =
      expected.kind === 'literal'
        ? `l:${expected.text}`
        : expected.kind === 'arg'
          ? `a:${expected.name}`
          : 'end';
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(expected);
  }
  return out;
}

/** Whether `text` from `at` starts with `lower` ignoring case: `text.slice(…).toLowerCase() === lower`, without the copies. */
function sameLowerCase(text: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const code = text.charCodeAt(at + i);
    // Anything beyond ASCII may change length or fold unusually: the exact way, as before.
    if (code >= 128) return text.slice(at, at + lower.length).toLowerCase() === lower;
    const folded = code >= 65 && code <= 90 ? code + 32 : code;
    if (folded !== lower.charCodeAt(i)) {
      // A later non-ASCII character cannot make a mismatch of two ASCII ones match.
      return false;
    }
  }
  return true;
}
