/**
 * The checks defineCommand runs. Each problem is phrased for the plugin author who made it, and all
 * are collected so one load shows every mistake, not the first of many.
 */
import { type ArgSpec, coerceArg } from './arg-types.js';
import type { Command, CommandDefinition } from './command.js';
import { formatDuration } from './duration.js';
import { parseForCommand } from './parser.js';
import { type CompiledPattern, compilePattern, isLastElement, walk } from './pattern.js';
import { templateNames } from './template.js';

/** Command names and aliases: what people type first, and the registry's lookup key. */
export const COMMAND_WORD = /^[a-z][a-z0-9_-]*$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HANDLE = /^[a-z0-9][a-z0-9._-]*$/;
const KINDS = new Set(['string', 'integer', 'number', 'boolean', 'duration', 'enum', 'user', 'room', 'time']);

export interface CheckedDefinition {
  problems: string[];
  usage: string[];
  patterns: CompiledPattern[];
  rooms: string[] | undefined;
  checkExamples(command: Command): string[];
}

export function validateDefinition(def: CommandDefinition): CheckedDefinition {
  const problems: string[] = [];
  const args: Record<string, ArgSpec> = def.args ?? {};
  const argNames = Object.keys(args);

  if (typeof def.name !== 'string' || !COMMAND_WORD.test(def.name) || def.name.length > 40) {
    problems.push(`name '${def.name}' must be a lower-case word (a-z, 0-9, '-', '_'), at most 40 characters`);
  }
  const aliases = def.aliases ?? [];
  aliases.forEach((alias, i) => {
    if (typeof alias !== 'string' || !COMMAND_WORD.test(alias)) {
      problems.push(`alias '${alias}' must be a lower-case word like the name`);
    } else if (alias === def.name) problems.push(`alias '${alias}' repeats the name`);
    else if (aliases.indexOf(alias) !== i) problems.push(`alias '${alias}' is listed twice`);
  });
  if (typeof def.summary !== 'string' || def.summary.trim() === '' || /[\r\n]/.test(def.summary)) {
    problems.push('summary must be one non-empty line');
  }
  if (typeof def.run !== 'function') problems.push('run must be a function');
  if (
    def.risk !== undefined &&
    typeof def.risk !== 'function' &&
    !['none', 'confirm', 'approval'].includes(def.risk)
  ) {
    problems.push(
      `risk '${String(def.risk)}' must be none, confirm or approval, or a function of the arguments`,
    );
  }
  if (def.check !== undefined && typeof def.check !== 'function') problems.push('check must be a function');
  if (def.timeoutMs !== undefined && (!Number.isSafeInteger(def.timeoutMs) || def.timeoutMs <= 0)) {
    problems.push('timeoutMs must be a positive whole number of milliseconds');
  }

  const lowerNames = new Map<string, string>();
  let restCount = 0;
  for (const name of argNames) {
    if (!ARG_NAME.test(name)) problems.push(`argument name '${name}' must be letters, digits and '_'`);
    const clash = lowerNames.get(name.toLowerCase());
    if (clash !== undefined) problems.push(`arguments '${clash}' and '${name}' differ only in case`);
    lowerNames.set(name.toLowerCase(), name);
    const spec = args[name]!;
    problems.push(...checkArgSpec(name, spec));
    if (spec.type === 'string' && spec.rest) restCount++;
  }
  if (restCount > 1) problems.push('only one argument may be `rest: true`');

  const unknownRefs = (where: string, names: string[]) => {
    for (const name of names) {
      if (!(name in args)) problems.push(`${where} uses '{{${name}}}', which is not a declared argument`);
    }
  };
  if (typeof def.permission === 'string') {
    if (def.permission.trim() === '' || /\s/.test(def.permission.replace(/\{\{[^}]*\}\}/g, ''))) {
      problems.push('permission must be a non-empty string without spaces, e.g. deploy:prod');
    }
    unknownRefs(`permission '${def.permission}'`, templateNames(def.permission));
  } else if (typeof def.permission !== 'function') {
    problems.push("permission is required: a string such as 'deploy:prod' or a function of the arguments");
  }
  for (const lock of typeof def.locks === 'function' ? [] : (def.locks ?? [])) {
    if (typeof lock !== 'string' || lock.trim() === '') problems.push('locks must be non-empty strings');
    else unknownRefs(`lock '${lock}'`, templateNames(lock));
  }

  let rooms: string[] | undefined;
  if (def.rooms !== undefined) {
    rooms = def.rooms.map((room) => String(room).replace(/^#/, '').toLowerCase());
    for (const room of rooms)
      if (!HANDLE.test(room)) problems.push(`room '${room}' is not a valid room name`);
  }

  const usage = def.usage && def.usage.length > 0 ? [...def.usage] : [generatedUsage(def.name, args)];
  const patterns: CompiledPattern[] = [];
  usage.forEach((source) => {
    let pattern: CompiledPattern;
    try {
      pattern = compilePattern(source);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return;
    }
    patterns.push(pattern);
    if (!COMMAND_WORD.test(pattern.head)) {
      problems.push(`usage pattern '${source}' must start with a command word, not '${pattern.head}'`);
    }
    walk(pattern.nodes, (node) => {
      if (node.type !== 'placeholder') return;
      const spec = args[node.name];
      if (spec === undefined) {
        unknownRefs(`usage pattern '${source}'`, [node.name]);
        return;
      }
      if (spec.type === 'string' && spec.rest && !isLastElement(pattern.nodes, node.name)) {
        problems.push(`usage pattern '${source}': rest argument '{{${node.name}}}' must come last`);
      }
      if (node.default !== undefined) {
        const coerced = coerceArg(node.name, spec, node.default, 0);
        if (!coerced.ok) problems.push(`usage pattern '${source}': default ${coerced.message}`);
      }
    });
  });

  return {
    problems,
    usage,
    patterns,
    rooms,
    checkExamples(command) {
      const exampleProblems: string[] = [];
      for (const example of command.examples) {
        const parsed = parseForCommand(command, example, { nowMs: 0 });
        if (parsed.kind !== 'ok') {
          const why = parsed.kind === 'usage' || parsed.kind === 'syntax' ? parsed.message : parsed.kind;
          exampleProblems.push(`example '${example}' does not parse: ${why}`);
        }
      }
      return exampleProblems;
    },
  };
}

function checkArgSpec(name: string, spec: ArgSpec): string[] {
  if (typeof spec !== 'object' || spec === null || !KINDS.has(spec.type)) {
    return [`argument '${name}' needs a type: one of ${[...KINDS].join(', ')}`];
  }
  const problems: string[] = [];
  if (spec.required && spec.default !== undefined) {
    problems.push(`argument '${name}' cannot be both required and have a default`);
  }
  if (spec.type === 'enum') {
    if (!Array.isArray(spec.values) || spec.values.length === 0) {
      problems.push(`enum argument '${name}' needs a non-empty values list`);
    } else {
      const lower = spec.values.map((v) => String(v).toLowerCase());
      if (new Set(lower).size !== lower.length) problems.push(`enum argument '${name}' repeats a value`);
      if (spec.values.some((v) => typeof v !== 'string' || v === '' || /\s/.test(v))) {
        problems.push(`enum argument '${name}' values must be single words`);
      }
    }
  }
  if (
    (spec.type === 'integer' || spec.type === 'number' || spec.type === 'duration') &&
    spec.min !== undefined &&
    spec.max !== undefined &&
    spec.min > spec.max
  ) {
    problems.push(`argument '${name}' has min greater than max`);
  }
  if ('rest' in spec && spec.rest && spec.type !== 'string') {
    problems.push(`argument '${name}': only string arguments can be rest`);
  }
  if (spec.default !== undefined && !(spec.type === 'enum' && problems.length > 0)) {
    const raw = defaultAsText(spec);
    const coerced = raw === undefined ? undefined : coerceArg(name, spec, raw, 0);
    if (coerced === undefined || !coerced.ok) {
      problems.push(
        `argument '${name}' has an invalid default: ${coerced?.message ?? `expected a ${spec.type}`}`,
      );
    }
  }
  return problems;
}

/** The default written as a user would type it, so it goes through the very same checks. */
function defaultAsText(spec: ArgSpec): string | undefined {
  const value: unknown = spec.default;
  switch (spec.type) {
    case 'integer':
    case 'number':
      return typeof value === 'number' ? String(value) : undefined;
    case 'duration':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? formatDuration(value)
        : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : undefined;
    default:
      return typeof value === 'string' ? value : undefined;
  }
}

/** `name {{a}} [{{b}}]` from the arguments in declaration order, the rest argument last. */
function generatedUsage(name: string, args: Record<string, ArgSpec>): string {
  const entries = Object.entries(args);
  const ordered = [
    ...entries.filter(([, s]) => !(s.type === 'string' && s.rest)),
    ...entries.filter(([, s]) => s.type === 'string' && s.rest),
  ];
  const parts = ordered.map(([arg, spec]) => (spec.required ? `{{${arg}}}` : `[{{${arg}}}]`));
  return [name, ...parts].join(' ');
}
