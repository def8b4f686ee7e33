/**
 * Free text addressed to the bot that does not parse ("could you deploy the api to staging please")
 * gets up to three exact command lines to offer as buttons. Pure scoring over the command
 * definitions: word overlap with names, aliases, enum values, pattern words and examples. A
 * suggestion is only ever offered; running it needs an explicit click or confirmation.
 */
import type { ArgSpec } from './arg-types.js';
import type { Command } from './command.js';
import { parseDuration } from './duration.js';
import { parseForCommand } from './parser.js';
import { fillPattern, type PatternNode, walk } from './pattern.js';
import { closest, letterSet, TypoProbe, typoBudget } from './suggest.js';
import { quoteToken } from './tokenizer.js';

export interface NaturalSuggestion {
  command: Command;
  /** The exact command line to offer. */
  line: string;
  score: number;
  /** True when the line parses as is; false when it still has `<arg>` holes to fill in. */
  complete: boolean;
}

export interface NaturalOptions {
  limit?: number;
  /** Anchors relative times when the filled line is checked. */
  nowMs?: number;
}

const STOPWORDS = new Set(
  (
    'a an the to of in on at for from with and or but please pls could would can will you me my i we us ' +
    'our it its this that is are be do does did want need like let lets just now hey hi hello ok okay thanks ' +
    'thank some any bot opsbot kindly quickly also then there here what which'
  ).split(' '),
);
const MIN_SCORE = 6;

interface Word {
  text: string;
  lower: string;
}

function wordsOf(text: string): Word[] {
  return text
    .slice(0, 2000)
    .split(/\s+/)
    .map((raw) => raw.replace(/^[^\w@#+-]+|[^\w/:.-]+$|[.:]+$/g, ''))
    .filter((w) => w.length > 0)
    .map((text) => ({ text, lower: text.toLowerCase() }));
}

/** The best command lines for free text, best first; empty when nothing is a plausible match. */
export function suggestFromText(
  text: string,
  commands: readonly Command[],
  options: NaturalOptions = {},
): NaturalSuggestion[] {
  const words = wordsOf(text);
  if (words.length === 0) return [];
  const clues = cluesOf(words);
  const scored: NaturalSuggestion[] = [];
  for (const command of commands) {
    const profile = profileOf(command);
    // Most commands share no word with the text: those cannot reach MIN_SCORE and are not scored.
    if (!mayScore(profile, words, clues)) continue;
    const found = scoreCommand(profile, command, words);
    if (found.score < MIN_SCORE) continue;
    const filled = fillIn(command, words, found.used, options.nowMs ?? 0);
    scored.push({ command, line: filled.line, complete: filled.complete, score: found.score });
  }
  scored.sort(
    (a, b) =>
      b.score - a.score ||
      Number(b.complete) - Number(a.complete) ||
      a.command.name.localeCompare(b.command.name),
  );
  return scored.slice(0, options.limit ?? 3);
}

/** What scoring reads from a command, worked out once per command (commands never change). */
interface Profile {
  heads: Set<string>;
  /** The heads lower-cased with their letter sets, for typo checks. */
  headLetters: { lower: string; letters: number }[];
  enumValues: Set<string>;
  literals: Set<string>;
  exampleWords: Set<string>;
  /** What a text word adds (enum value 3, pattern word 2, example word 1); stopwords and heads add 0. */
  vocabulary: Map<string, number>;
}
const profiles = new WeakMap<Command, Profile>();

function profileOf(command: Command): Profile {
  let profile = profiles.get(command);
  if (profile !== undefined) return profile;
  const heads = new Set([command.name, ...command.aliases, ...command.patterns.map((p) => p.head)]);
  const specs = Object.values(command.args as Record<string, ArgSpec>);
  const enumValues = new Set(
    specs.flatMap((s) => (s.type === 'enum' ? s.values.map((v) => v.toLowerCase()) : [])),
  );
  const literals = new Set<string>();
  for (const pattern of command.patterns) {
    walk(pattern.nodes, (node) => {
      if (
        node.type === 'literal' &&
        node.lower.length >= 3 &&
        !STOPWORDS.has(node.lower) &&
        !heads.has(node.lower)
      ) {
        literals.add(node.lower);
      }
    });
  }
  const exampleWords = new Set(command.examples.flatMap((e) => wordsOf(e).map((w) => w.lower)));
  const vocabulary = new Map<string, number>();
  for (const word of [...enumValues, ...literals, ...exampleWords]) {
    if (STOPWORDS.has(word) || heads.has(word) || vocabulary.has(word)) continue;
    vocabulary.set(word, enumValues.has(word) ? 3 : literals.has(word) ? 2 : 1);
  }
  const headLetters = [...heads].map((h) => {
    const lower = h.toLowerCase();
    return { lower, letters: letterSet(lower) };
  });
  profile = { heads, headLetters, enumValues, literals, exampleWords, vocabulary };
  profiles.set(command, profile);
  return profile;
}

/** The text's words as scoring looks them up: distinct content words, and a typo probe per long word. */
interface Clues {
  distinct: string[];
  typos: (TypoProbe | undefined)[];
}

function cluesOf(words: Word[]): Clues {
  return {
    distinct: [...new Set(words.map((w) => w.lower))].filter((w) => !STOPWORDS.has(w)),
    typos: words.map((w) => (w.lower.length >= 4 ? new TypoProbe(w.lower) : undefined)),
  };
}

/**
 * False only when scoreCommand must come out below MIN_SCORE: no word (or pair of words) is a head, a
 * longer form or a typo of one, and the vocabulary words found are worth less than MIN_SCORE. A phrase
 * bonus needs the pattern's first word, which is a head, so it is covered by the head test.
 */
function mayScore(profile: Profile, words: Word[], clues: Clues): boolean {
  let vocabulary = 0;
  for (const word of clues.distinct) vocabulary += profile.vocabulary.get(word) ?? 0;
  if (vocabulary >= MIN_SCORE) return true;
  const { heads, headLetters } = profile;
  for (let i = 0; i < words.length; i++) {
    const lower = words[i]!.lower;
    if (heads.has(lower)) return true;
    const next = words[i + 1];
    if (next && heads.has(lower + next.lower)) return true;
    const typo = clues.typos[i];
    if (typo === undefined) continue;
    const budget = typoBudget(lower.length);
    for (const head of headLetters) {
      if (head.lower.length >= 4 && lower.startsWith(head.lower)) return true;
      if (typo.within(head.lower, head.letters, budget)) return true;
    }
  }
  return false;
}

function scoreCommand(
  profile: Profile,
  command: Command,
  words: Word[],
): { score: number; used: Set<number> } {
  const { heads, enumValues, literals, exampleWords } = profile;
  const used = new Set<number>();
  let score = 0;
  // The command word: exact, run together from two words ("roll back"), a longer form
  // ("deploying"), or a typo.
  let best = 0;
  words.forEach((word, i) => {
    const next = words[i + 1];
    let points = 0;
    if (heads.has(word.lower)) points = 10;
    else if (next && heads.has(word.lower + next.lower)) points = 10;
    else if (word.lower.length >= 4 && [...heads].some((h) => h.length >= 4 && word.lower.startsWith(h)))
      points = 8;
    else if (
      word.lower.length >= 4 &&
      closest(word.lower, heads, { prefix: false, maxDistance: typoBudget(word.lower.length) }).length > 0
    )
      points = 6;
    if (points > best) {
      best = points;
      used.clear();
      used.add(i);
      if (points === 10 && !heads.has(word.lower)) used.add(i + 1);
    }
  });
  score += best + phraseBonus(command, words, used);
  for (const word of new Set(words.map((w) => w.lower))) {
    if (STOPWORDS.has(word) || heads.has(word)) continue;
    if (enumValues.has(word)) score += 3;
    else if (literals.has(word)) score += 2;
    else if (exampleWords.has(word)) score += 1;
  }
  return { score, used };
}

function fillIn(
  command: Command,
  words: Word[],
  used: Set<number>,
  nowMs: number,
): { line: string; complete: boolean } {
  const taken = new Set(used);
  const values = new Map<string, string>();
  const specs = Object.entries(command.args as Record<string, ArgSpec>);
  const literalWords = new Set<string>();
  for (const pattern of command.patterns) {
    walk(pattern.nodes, (node) => {
      if (node.type === 'literal') literalWords.add(node.lower);
    });
  }
  // Words after the command word come first: "hey team, deploy api" means api, not team.
  const after = Math.min(...used, words.length - 1) + 1;
  const order = [...words.keys()].sort((a, b) => Number(a < after) - Number(b < after) || a - b);
  const take = (name: string, test: (word: Word) => string | undefined) => {
    for (const i of order) {
      if (taken.has(i)) continue;
      const value = test(words[i]!);
      if (value !== undefined) {
        values.set(name, value);
        taken.add(i);
        return;
      }
    }
  };
  // Typed arguments first: their words are unambiguous.
  for (const [name, spec] of specs) {
    take(name, (w) => typedValue(spec, w, false));
    // A near miss ("stagin") counts only when no exact word was there.
    if (!values.has(name) && spec.type === 'enum') take(name, (w) => typedValue(spec, w, true));
  }
  // Strings: a value seen in the examples, else (for required ones) the next free content word.
  const known = knownValues(command);
  let rest: string | undefined;
  for (const [name, spec] of specs) {
    if (spec.type !== 'string' || values.has(name)) continue;
    if (spec.rest) {
      rest = name;
      continue;
    }
    take(name, (w) => (known.get(name)?.has(w.lower) ? w.text : undefined));
    if (!values.has(name) && spec.required) {
      take(name, (w) => (STOPWORDS.has(w.lower) || literalWords.has(w.lower) ? undefined : w.text));
    }
  }
  // A rest argument gets the words after the keyword that leads into it ("because …"), or, with no
  // keyword, every word after the command word not used above: "page @bob the site is down".
  if (rest !== undefined) {
    const lead = leadWord(command, rest);
    let from = after;
    if (lead !== undefined) {
      const at = words.findIndex((w, i) => i >= after && !taken.has(i) && w.lower === lead);
      from =
        at >= 0 ? at + 1 : (command.args as Record<string, ArgSpec>)[rest]?.required ? after : words.length;
    }
    const text = order
      .filter((i) => i >= from && !taken.has(i))
      .map((i) => words[i]!.text)
      .join(' ');
    if (text !== '') values.set(rest, text);
  }
  const quote = (name: string, value: string) => (name === rest ? value : quoteToken(value));
  let fallback: string | undefined;
  for (const pattern of command.patterns) {
    const line = fillPattern(pattern, values, quote);
    fallback ??= line;
    if (line.includes('<')) continue;
    if (parseForCommand(command, line, { nowMs }).kind === 'ok') return { line, complete: true };
  }
  return { line: fallback ?? command.name, complete: false };
}

/**
 * Multi-word commands ("who can …", "who is on call"): each further word of a pattern's opening
 * phrase found right after its first word adds 3, so the phrase beats a command merely named later.
 */
function phraseBonus(command: Command, words: Word[], used: Set<number>): number {
  let bonus = 0;
  for (const pattern of command.patterns) {
    const phrase: string[] = [];
    for (const node of pattern.nodes) {
      if (node.type !== 'literal') break;
      phrase.push(node.lower);
    }
    const start = words.findIndex((w) => w.lower === phrase[0]);
    if (phrase.length < 2 || start < 0) continue;
    let matched = 1;
    while (matched < phrase.length && words[start + matched]?.lower === phrase[matched]) matched++;
    if (3 * (matched - 1) > bonus) {
      bonus = 3 * (matched - 1);
      for (let i = start; i < start + matched; i++) used.add(i);
    }
  }
  return bonus;
}

/** The literal word just before a placeholder in the first pattern that has it (`because` {{reason}}). */
function leadWord(command: Command, name: string): string | undefined {
  const search = (nodes: readonly PatternNode[], top: boolean): string | undefined => {
    for (const [k, node] of nodes.entries()) {
      if (node.type === 'optional') {
        const found = search(node.nodes, false);
        if (found !== undefined) return found;
      } else if (node.type === 'placeholder' && node.name === name) {
        const before = nodes[k - 1];
        return before?.type === 'literal' && !(top && k === 1) ? before.lower : undefined;
      }
    }
    return undefined;
  };
  for (const pattern of command.patterns) {
    if (!pattern.placeholders.includes(name)) continue;
    return search(pattern.nodes, true);
  }
  return undefined;
}

/** The word as a value of a typed (non-string) argument, or undefined when it is not one. */
function typedValue(spec: ArgSpec, word: Word, fuzzy: boolean): string | undefined {
  switch (spec.type) {
    case 'enum':
      if (!fuzzy) return spec.values.find((v) => v.toLowerCase() === word.lower);
      return word.lower.length >= 4
        ? closest(word.lower, spec.values, { limit: 1, prefix: false })[0]
        : undefined;
    case 'user':
      return /^@\w/.test(word.text) ? word.text : undefined;
    case 'room':
      return /^#\w/.test(word.text) ? word.text : undefined;
    case 'duration':
      return /^\d/.test(word.text) && parseDuration(word.text).ok ? word.text : undefined;
    case 'integer':
    case 'number':
      return /^[+-]?\d+(\.\d+)?$/.test(word.text) ? word.text : undefined;
    default:
      return undefined;
  }
}

/** String values the command's own examples use, by argument: `api` for `app` in `deploy api`. */
function knownValues(command: Command): Map<string, Set<string>> {
  const known = new Map<string, Set<string>>();
  for (const example of command.examples) {
    const parsed = parseForCommand(command, example, { nowMs: 0 });
    if (parsed.kind !== 'ok') continue;
    for (const [name, value] of Object.entries(parsed.args)) {
      if (typeof value !== 'string') continue;
      known.set(name, (known.get(name) ?? new Set()).add(value.toLowerCase()));
    }
  }
  return known;
}
