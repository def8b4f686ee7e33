/**
 * Usage patterns in the style of StackStorm formats, compiled once into a small tree:
 *
 *   deploy {{app}}[/{{ref=main}}] to {{env=staging}}
 *
 * - words are literals, matched case-insensitively against whole tokens;
 * - `{{name}}` and `{{name=default}}` are placeholders for declared arguments;
 * - `[...]` is an optional group (groups nest);
 * - elements written without a space between them are "glued": in the input the space is optional,
 *   so `api/feature-x` fills `{{app}}` and `{{ref}}` from one token;
 * - a placeholder with a default is optional, together with the literal words that lead into it, so
 *   the pattern above also accepts `deploy api` (ref=main, env=staging).
 * Patterns must start with a literal word, the command word the registry looks up. Matching lives in
 * pattern-match.ts.
 */

export interface LiteralNode {
  type: 'literal';
  text: string;
  lower: string;
  glued: boolean;
  /** Something glued may follow, so the literal may end mid-token (`deploy!`, `api/`). */
  mayEndMidToken: boolean;
}
export interface PlaceholderNode {
  type: 'placeholder';
  name: string;
  default?: string;
  glued: boolean;
  mayEndMidToken: boolean;
}
export interface OptionalNode {
  type: 'optional';
  nodes: PatternNode[];
}
export type PatternNode = LiteralNode | PlaceholderNode | OptionalNode;

export interface CompiledPattern {
  source: string;
  nodes: PatternNode[];
  /** The leading literal, lower-cased: the word this pattern is found by. */
  head: string;
  /** Placeholder names in the order they appear. */
  placeholders: string[];
  /** Literal texts that appear glued somewhere: where a placeholder inside one token may end. */
  glueLiterals: string[];
}

export class PatternSyntaxError extends Error {
  constructor(source: string, message: string, column: number) {
    super(`usage pattern '${source}': ${message} (column ${column})`);
    this.name = 'PatternSyntaxError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

/** Compiles a usage pattern; throws PatternSyntaxError naming the column of the problem. */
export function compilePattern(source: string): CompiledPattern {
  const stack: PatternNode[][] = [[]];
  const opened: number[] = [];
  let spaceBefore = true;
  let i = 0;
  const push = (node: LiteralNode | PlaceholderNode) => {
    stack[stack.length - 1]!.push(node);
    spaceBefore = false;
  };
  while (i < source.length) {
    const char = source[i]!;
    if (isSpace(char)) {
      spaceBefore = true;
      i++;
    } else if (char === '[') {
      stack.push([]);
      opened.push(i);
      i++;
    } else if (char === ']') {
      const nodes = stack.pop();
      if (nodes === undefined || stack.length === 0)
        throw new PatternSyntaxError(source, "unmatched ']'", i + 1);
      opened.pop();
      if (nodes.length === 0) throw new PatternSyntaxError(source, "empty '[]' group", i + 1);
      stack[stack.length - 1]!.push({ type: 'optional', nodes });
      i++;
    } else if (source.startsWith('{{', i)) {
      const close = source.indexOf('}}', i + 2);
      if (close < 0) throw new PatternSyntaxError(source, "'{{' without a closing '}}'", i + 1);
      const inner = source.slice(i + 2, close).trim();
      const eq = inner.indexOf('=');
      const name = (eq < 0 ? inner : inner.slice(0, eq)).trim();
      if (!NAME.test(name)) {
        throw new PatternSyntaxError(source, `'${name}' is not a valid argument name`, i + 1);
      }
      const node: PlaceholderNode = { type: 'placeholder', name, glued: !spaceBefore, mayEndMidToken: false };
      if (eq >= 0) node.default = inner.slice(eq + 1).trim();
      push(node);
      i = close + 2;
    } else {
      let j = i;
      while (j < source.length && !isSpace(source[j]!) && source[j] !== '[' && source[j] !== ']') {
        if (source.startsWith('{{', j)) break;
        j++;
      }
      const text = source.slice(i, j);
      if (text.includes('}}') || text.includes('{{')) {
        throw new PatternSyntaxError(source, `stray braces in '${text}'`, i + 1);
      }
      push({ type: 'literal', text, lower: text.toLowerCase(), glued: !spaceBefore, mayEndMidToken: false });
      i = j;
    }
  }
  if (stack.length > 1) throw new PatternSyntaxError(source, "unclosed '['", (opened.at(-1) ?? 0) + 1);
  const nodes = makeDefaultsOptional(stack[0]!, true);
  const first = nodes[0];
  if (first === undefined || first.type !== 'literal') {
    throw new PatternSyntaxError(source, 'must start with the command word', 1);
  }
  first.glued = false;
  markMidTokenEnds(nodes, false);
  const placeholders: string[] = [];
  const glue = new Set<string>();
  walk(nodes, (node) => {
    if (node.type === 'placeholder') {
      if (placeholders.includes(node.name)) {
        throw new PatternSyntaxError(
          source,
          `'{{${node.name}}}' appears twice`,
          source.lastIndexOf(node.name) + 1,
        );
      }
      placeholders.push(node.name);
    } else if (node.type === 'literal' && node.glued) {
      glue.add(node.lower);
    }
  });
  return { source, nodes, head: first.lower, placeholders, glueLiterals: [...glue] };
}

/** Wraps each defaulted placeholder, with the literals just before it, in an optional group. */
function makeDefaultsOptional(nodes: PatternNode[], topLevel: boolean): PatternNode[] {
  const out: PatternNode[] = [];
  for (const node of nodes) {
    if (node.type === 'optional') {
      out.push({ type: 'optional', nodes: makeDefaultsOptional(node.nodes, false) });
      continue;
    }
    if (node.type === 'placeholder' && node.default !== undefined) {
      let from = out.length;
      // The command word itself never becomes optional.
      const floor = topLevel ? 1 : 0;
      while (from > floor && out[from - 1]!.type === 'literal') from--;
      const lead = out.splice(from);
      // A group that is exactly "literals + this placeholder" is optional already: no second wrapper.
      if (!topLevel && out.length === 0 && nodes.at(-1) === node) out.push(...lead, node);
      else out.push({ type: 'optional', nodes: [...lead, node] });
      continue;
    }
    out.push(node);
  }
  return out;
}

/** Whether the first element that can come next at index `k` of `nodes` is glued. */
function gluedNext(nodes: PatternNode[], k: number, follow: boolean): boolean {
  if (k >= nodes.length) return follow;
  const node = nodes[k]!;
  if (node.type === 'optional') return gluedNext(node.nodes, 0, false) || gluedNext(nodes, k + 1, follow);
  return node.glued;
}

function markMidTokenEnds(nodes: PatternNode[], follow: boolean): void {
  nodes.forEach((node, k) => {
    const next = gluedNext(nodes, k + 1, follow);
    if (node.type === 'optional') markMidTokenEnds(node.nodes, next);
    else node.mayEndMidToken = next;
  });
}

export function walk(nodes: readonly PatternNode[], visit: (node: PatternNode) => void): void {
  for (const node of nodes) {
    visit(node);
    if (node.type === 'optional') walk(node.nodes, visit);
  }
}

/** Whether the placeholder is the very last thing the pattern can match (where a greedy arg must be). */
export function isLastElement(nodes: readonly PatternNode[], name: string): boolean {
  const last = nodes[nodes.length - 1];
  if (last === undefined) return false;
  if (last.type === 'placeholder') return last.name === name;
  if (last.type === 'optional') return isLastElement(last.nodes, name);
  return false;
}

/**
 * The pattern as people read it in help: `deploy <app>[/<ref>] [to <env>]`, with the implicit optional
 * groups shown and defaults left to the argument list.
 */
export function formatPattern(pattern: CompiledPattern, headWord?: string): string {
  return render(pattern.nodes, headWord, true).trim();
}

function render(nodes: readonly PatternNode[], headWord: string | undefined, top: boolean): string {
  let out = '';
  nodes.forEach((node, k) => {
    const glued = node.type === 'optional' ? firstGlued(node) : node.glued;
    if (k > 0 && !glued) out += ' ';
    if (node.type === 'literal') out += top && k === 0 && headWord ? headWord : node.text;
    else if (node.type === 'placeholder') out += `<${node.name}>`;
    else out += `[${render(node.nodes, undefined, false)}]`;
  });
  return out;
}

/**
 * A command line from a pattern and values: optional parts appear only when a placeholder in them
 * has a value, a required placeholder without one shows as `<name>`. Used for suggestions.
 */
export function fillPattern(
  pattern: CompiledPattern,
  values: ReadonlyMap<string, string>,
  quote: (name: string, value: string) => string,
  headWord?: string,
): string {
  const fill = (nodes: readonly PatternNode[], top: boolean): string => {
    let out = '';
    nodes.forEach((node, k) => {
      let piece: string;
      if (node.type === 'literal') piece = top && k === 0 && headWord ? headWord : node.text;
      else if (node.type === 'placeholder') {
        const value = values.get(node.name);
        piece = value === undefined ? `<${node.name}>` : quote(node.name, value);
      } else if (hasValue(node.nodes, values)) piece = fill(node.nodes, false);
      else return;
      const glued = node.type === 'optional' ? firstGlued(node) : node.glued;
      out += (out === '' || glued ? '' : ' ') + piece;
    });
    return out;
  };
  return fill(pattern.nodes, true);
}

function hasValue(nodes: readonly PatternNode[], values: ReadonlyMap<string, string>): boolean {
  let found = false;
  walk(nodes, (node) => {
    if (node.type === 'placeholder' && values.has(node.name)) found = true;
  });
  return found;
}

function firstGlued(node: OptionalNode): boolean {
  const first = node.nodes[0];
  if (first === undefined) return false;
  return first.type === 'optional' ? firstGlued(first) : first.glued;
}
