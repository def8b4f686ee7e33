/**
 * From a command line to a command and typed arguments, or a failure that says what is wrong and
 * what was expected. The command is found by its first word through the registry's Map (never by
 * trying every pattern), so the cost per message does not grow with the number of commands.
 */
import { SystemClock } from '../../core/clock.js';
import { type AnyArgValue, type ArgSpec, coerceArg, shown } from './arg-types.js';
import type { Command } from './command.js';
import { formatPattern } from './pattern.js';
import { type Expected, type MatchFailure, matchPattern } from './pattern-match.js';
import { closest, didYouMean, orList } from './suggest.js';
import { CommandSyntaxError, type Token, type TokenizeOptions, tokenize } from './tokenizer.js';

/** What the parser needs from a registry: candidates for a first word, and words for suggestions. */
export interface CommandLookup {
  /** Commands the first word may select, best first (name or alias before pattern heads). */
  candidates(word: string): readonly Command[];
  /** Every name and alias, for "did you mean". */
  words(filter?: (command: Command) => boolean): readonly string[];
}

export interface ParseOptions extends TokenizeOptions {
  /** Anchors relative times (`now-15m`); pass the injected clock's nowMs(). */
  nowMs?: number;
  /** Limits "did you mean" to commands the asker may see (e.g. may run). */
  visible?: (command: Command) => boolean;
}

export interface ParsedCommand {
  kind: 'ok';
  command: Command;
  /** Typed values by argument name: coerced, defaults applied; absent optional ones are left out. */
  args: Record<string, AnyArgValue>;
  extra: Record<string, string>;
  /** Which usage pattern matched. */
  patternIndex: number;
  /** Arguments whose value is a default (from the spec or a `{{name=default}}`), not typed: for `explain`. */
  defaulted: string[];
}

export type ParseFailure =
  | { kind: 'empty' }
  | {
      kind: 'syntax';
      message: string;
      column: number;
      /** The command the line starts with, when its first word names one: its usage goes in the reply. */
      command?: Command;
    }
  | { kind: 'unknown_command'; word: string; suggestions: string[] }
  | {
      kind: 'usage';
      command: Command;
      message: string;
      /** The command's usage patterns as help shows them. */
      usage: string[];
      /** 1-based column of the problem, when there is one place to point at. */
      column?: number;
    };

export type ParseOutcome = ParsedCommand | ParseFailure;

const COMMAND_PREFIX = /^[a-z][a-z0-9_-]*/;

/** Parses a command line (already stripped of `@opsbot`/`!`) against the registered commands. */
export function parseCommandLine(
  line: string,
  registry: CommandLookup,
  options: ParseOptions = {},
): ParseOutcome {
  const tokens = tokenizeOrFail(line, options);
  if (!Array.isArray(tokens)) return withCommandOf(tokens, line, registry);
  const first = tokens[0];
  if (first === undefined) return { kind: 'empty' };
  const word = first.value.toLowerCase();
  let candidates = first.quoted || first.key !== undefined ? [] : registry.candidates(word);
  if (candidates.length === 0) {
    // `deploy!` and `deploy:migrate` are found by their leading word; the pattern does the rest.
    const prefix = COMMAND_PREFIX.exec(word)?.[0];
    if (prefix !== undefined && prefix !== word && !first.quoted) candidates = registry.candidates(prefix);
  }
  if (candidates.length === 0) {
    const suggestions = visibleSuggestions(word, registry, options.visible);
    return { kind: 'unknown_command', word: line.slice(first.start, first.end), suggestions };
  }
  let best: ParseFailure | undefined;
  let bestRank = -1;
  for (const command of candidates) {
    const outcome = parseTokens(command, tokens, line, options);
    if (outcome.kind === 'ok') return outcome;
    // Keep the failure of the first candidate unless a later one got further into the line.
    const rank = failureRank(outcome);
    if (rank > bestRank) [best, bestRank] = [outcome, rank];
  }
  return best!;
}

/**
 * "Did you mean" for an unknown first word: every name and alias is ranked first, and only the few
 * within typo distance are checked for visibility. Visibility is a policy question, and asking it of
 * every registered command made each stray word cost hundreds of policy evaluations.
 */
function visibleSuggestions(
  word: string,
  registry: CommandLookup,
  visible: ((command: Command) => boolean) | undefined,
): string[] {
  if (visible === undefined) return closest(word, registry.words());
  const near = closest(word, registry.words(), { limit: Number.POSITIVE_INFINITY });
  const out: string[] = [];
  for (const candidate of near) {
    // A name or alias selects its owner first (see CommandLookup.candidates).
    const owner = registry.candidates(candidate)[0];
    if (owner !== undefined && visible(owner)) out.push(candidate);
    if (out.length === SUGGESTIONS) break;
  }
  return out;
}
const SUGGESTIONS = 3;

/** Parses a line against one command only: for examples, tests and the CLI's `explain`. */
export function parseForCommand(command: Command, line: string, options: ParseOptions = {}): ParseOutcome {
  const tokens = tokenizeOrFail(line, options);
  if (!Array.isArray(tokens)) return tokens;
  if (tokens.length === 0) return { kind: 'empty' };
  return parseTokens(command, tokens, line, options);
}

/**
 * A line that does not tokenize (an unclosed quote, too long) still usually starts with a command word:
 * name that command so the reply can show what it expects, not only what is wrong.
 */
function withCommandOf(failure: ParseFailure, line: string, registry: CommandLookup): ParseFailure {
  if (failure.kind !== 'syntax') return failure;
  // Only the start of the line is looked at, so a 100 KB line costs no more than a short one.
  const word = COMMAND_PREFIX.exec(line.slice(0, 64).trimStart().toLowerCase())?.[0];
  const command = word === undefined ? undefined : registry.candidates(word)[0];
  return command === undefined ? failure : { ...failure, command };
}

function tokenizeOrFail(line: string, options: ParseOptions): Token[] | ParseFailure {
  try {
    return tokenize(line, options);
  } catch (error) {
    if (error instanceof CommandSyntaxError)
      return { kind: 'syntax', message: error.message, column: error.column };
    throw error;
  }
}

// Failures carry how far they got (in `column`); a type error after a full match ranks above all.
const WELL_FORMED = Number.MAX_SAFE_INTEGER;
function failureRank(failure: ParseFailure): number {
  if (failure.kind !== 'usage') return 0;
  return failure.column ?? WELL_FORMED;
}

/** What parsing needs from a command, worked out once per command instead of once per message. */
interface Plan {
  specs: [string, ArgSpec][];
  byLowerName: Map<string, string>;
  greedy: Set<string>;
  headWords: (readonly string[])[];
}
const plans = new WeakMap<Command, Plan>();

function planOf(command: Command): Plan {
  let plan = plans.get(command);
  if (plan === undefined) {
    const specs = Object.entries(command.args as Record<string, ArgSpec>);
    const ownWords = [command.name, ...command.aliases].sort((a, b) => b.length - a.length);
    plan = {
      specs,
      byLowerName: new Map(specs.map(([name]) => [name.toLowerCase(), name])),
      greedy: new Set(specs.filter(([, s]) => s.type === 'string' && s.rest).map(([name]) => name)),
      headWords: command.patterns.map((p) =>
        p.head === command.name || command.aliases.includes(p.head) ? ownWords : [p.head],
      ),
    };
    plans.set(command, plan);
  }
  return plan;
}

const NO_NAMES: ReadonlySet<string> = new Set();

function parseTokens(command: Command, tokens: Token[], line: string, options: ParseOptions): ParseOutcome {
  const plan = planOf(command);
  let positional = tokens;
  let named = NO_NAMES;
  if (hasPairs(tokens)) {
    positional = tokens.filter((t) => t.key === undefined);
    const names = new Set<string>();
    for (const token of tokens) {
      const name = token.key === undefined ? undefined : plan.byLowerName.get(token.key.toLowerCase());
      if (name !== undefined) names.add(name);
    }
    named = names;
  }
  const lineEnd = tokens[tokens.length - 1]!.end;
  let nowMs = options.nowMs;

  let coercionFailure: ParseFailure | undefined;
  let structural: MatchFailure | undefined;
  for (let patternIndex = 0; patternIndex < command.patterns.length; patternIndex++) {
    const pattern = command.patterns[patternIndex]!;
    const match = matchPattern(pattern, {
      tokens: positional,
      line,
      lineEnd,
      headWords: plan.headWords[patternIndex]!,
      skip: named,
      greedy: plan.greedy,
    });
    if (!match.ok) {
      if (structural === undefined || match.offset > structural.offset) structural = match;
      continue;
    }
    const raw = match.values;
    const extra: Record<string, string> = {};
    const problems: string[] = [];
    if (named !== NO_NAMES || positional !== tokens) {
      for (const token of tokens) {
        if (token.key === undefined) continue;
        if (match.greedyFrom !== undefined && token.start >= match.greedyFrom) continue;
        const name = plan.byLowerName.get(token.key.toLowerCase());
        if (name !== undefined) {
          if (raw.has(name) && !match.defaulted.has(name)) problems.push(`${name} is given twice`);
          raw.set(name, token.value);
          match.defaulted.delete(name);
        } else if (command.allowExtra) {
          if (token.key in extra) problems.push(`${token.key} is given twice`);
          extra[token.key] = token.value;
        } else {
          problems.push(unknownKeyMessage(command, token));
        }
      }
    }
    const args: Record<string, AnyArgValue> = {};
    const defaulted: string[] = [];
    for (const [name, spec] of plan.specs) {
      const text = raw.get(name);
      if (match.defaulted.has(name)) defaulted.push(name);
      if (text === undefined) {
        if (spec.default !== undefined) {
          defaulted.push(name);
          // String-typed defaults (users, rooms, times like 'now') go through the same coercion.
          nowMs ??= new SystemClock().nowMs();
          const value =
            typeof spec.default === 'string' ? coerceArg(name, spec, spec.default, nowMs) : undefined;
          args[name] = value?.ok ? value.value : spec.default;
        } else if (spec.required) {
          problems.push(`${name} is required: give it as ${name}=…`);
        }
        continue;
      }
      nowMs ??= new SystemClock().nowMs();
      const coerced = coerceArg(name, spec, text, nowMs);
      if (coerced.ok) args[name] = coerced.value;
      else problems.push(coerced.message);
    }
    if (problems.length === 0) return { kind: 'ok', command, args, extra, patternIndex, defaulted };
    coercionFailure ??= usageFailure(command, problems.join('; '));
  }
  if (coercionFailure !== undefined) return coercionFailure;
  return usageFailure(command, describeMismatch(structural!), structural!.offset + 1);
}

function hasPairs(tokens: readonly Token[]): boolean {
  for (let i = 0; i < tokens.length; i++) if (tokens[i]!.key !== undefined) return true;
  return false;
}

function usageFailure(command: Command, message: string, column?: number): ParseFailure {
  const usage = command.patterns.map((p) => formatPattern(p));
  return column === undefined
    ? { kind: 'usage', command, message, usage }
    : { kind: 'usage', command, message, usage, column };
}

function unknownKeyMessage(command: Command, token: Token): string {
  const names = Object.keys(command.args);
  const hint = didYouMean(closest(token.key!, names));
  const takes = names.length > 0 ? ` (${command.name} takes ${names.join(', ')})` : '';
  const quoteHint =
    hint === '' ? ` — quote it as "${token.key}=${token.value}" if it is not a named argument` : '';
  return `unknown argument '${token.key}'${hint}${takes}${quoteHint}`;
}

function describeExpected(expected: readonly Expected[]): string {
  const parts = expected.map((e) =>
    e.kind === 'literal' ? `'${e.text}'` : e.kind === 'arg' ? `<${e.name}>` : 'the end of the command',
  );
  return orList(parts, '');
}

function describeMismatch(failure: MatchFailure): string {
  if (failure.tooComplex) return 'the command line is too complex to match; simplify it or quote values';
  const column = failure.offset + 1;
  const args = failure.expected.filter((e) => e.kind === 'arg');
  if (failure.got === undefined) {
    if (args.length > 0 && args.length === failure.expected.length) {
      return `missing ${describeExpected(args)}`;
    }
    return `incomplete command: expected ${describeExpected(failure.expected)}`;
  }
  const literals = failure.expected.flatMap((e) => (e.kind === 'literal' ? [e.text] : []));
  const onlyEnd = failure.expected.every((e) => e.kind === 'end');
  if (onlyEnd) return `unexpected ${shown(failure.got)} at column ${column}: nothing more is expected there`;
  return (
    `unexpected ${shown(failure.got)} at column ${column}: expected ${describeExpected(failure.expected)}` +
    didYouMean(closest(failure.got, literals))
  );
}
