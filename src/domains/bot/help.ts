/**
 * `help`, `help <cmd>` and the replies to lines that do not parse, all rendered from the command
 * definitions. The caller passes `canRun`, so help shows only what the asker may run: the same
 * policy answer that would let the command through, never a second list to keep in step.
 */
import { type ArgSpec, describeKind, describeValue } from './arg-types.js';
import type { Command, Risk } from './command.js';
import { formatDuration } from './duration.js';
import type { ParseFailure } from './parser.js';
import { formatPattern, walk } from './pattern.js';
import { closest, orList } from './suggest.js';

export interface HelpOptions {
  /** How the asker addresses the bot here (`!`, `/` or ''), shown before command words. */
  prefix?: string;
}

/** What help reads from a registry (CommandRegistry fits). */
export interface HelpSource {
  lookup(word: string): Command | undefined;
  visibleTo(predicate: (command: Command) => boolean): Command[];
  /** Commands a first word may start (`who` → `who is on call`, `who can`); optional. */
  candidates?(word: string): readonly Command[];
}

const OTHER_GROUP = 'Other';

/** `help` or `help <cmd>`: the list of runnable commands, one command's help, or "did you mean". */
export function renderHelp(
  source: HelpSource,
  topic: string | undefined,
  canRun: (command: Command) => boolean,
  options: HelpOptions = {},
): string {
  // `help deploy api to prod` and `help who is on call` are about their first word.
  const word = topic?.trim().replace(/^[!/]/, '').split(/\s+/)[0]?.toLowerCase();
  if (!word) return renderCommandList(source.visibleTo(canRun), options);
  const command = source.lookup(word) ?? source.candidates?.(word)[0];
  if (command !== undefined) return renderCommandHelp(command, { ...options, canRun: canRun(command) });
  const visible = source.visibleTo(canRun);
  const suggestions = closest(
    word,
    visible.flatMap((c) => [c.name, ...c.aliases]),
  );
  const p = options.prefix ?? '';
  const hint =
    suggestions.length > 0
      ? ` Did you mean ${orList(
          suggestions.map((s) => `${p}${s}`),
          '`',
        )}?`
      : '';
  return `There is no command \`${word}\`.${hint} Type \`${p}help\` to see the commands you can run.`;
}

/** One line per command, grouped by `group` (ungrouped last, as "Other"), sorted by name. */
export function renderCommandList(commands: readonly Command[], options: HelpOptions = {}): string {
  const p = options.prefix ?? '';
  if (commands.length === 0) {
    return 'There are no commands you can run here. Ask an admin if you need access.';
  }
  const groups = new Map<string, Command[]>();
  for (const command of commands) {
    const group = command.group ?? OTHER_GROUP;
    groups.set(group, [...(groups.get(group) ?? []), command]);
  }
  const names = [...groups.keys()].sort((a, b) =>
    a === OTHER_GROUP ? 1 : b === OTHER_GROUP ? -1 : a.localeCompare(b),
  );
  const lines = ['**Commands you can run**'];
  for (const group of names) {
    if (groups.size > 1) lines.push('', `*${group}*`);
    const sorted = [...groups.get(group)!].sort((a, b) => a.name.localeCompare(b.name));
    for (const command of sorted) {
      const aliases = command.aliases.length > 0 ? ` (${command.aliases.join(', ')})` : '';
      lines.push(`• \`${p}${command.name}\`${aliases} — ${command.summary}`);
    }
  }
  lines.push('', `Type \`${p}help <command>\` for usage and examples.`);
  return lines.join('\n');
}

/** Usage patterns, arguments, permission, risk, rooms, timeout and examples of one command. */
export function renderCommandHelp(
  command: Command,
  options: HelpOptions & { canRun?: boolean } = {},
): string {
  const p = options.prefix ?? '';
  const aliases = command.aliases.length > 0 ? ` (aliases: ${command.aliases.join(', ')})` : '';
  const lines = [`**${p}${command.name}**${aliases} — ${command.summary}`];
  if (command.description) lines.push('', command.description);
  if (options.canRun === false) lines.push('', '_You do not have permission to run this command._');
  lines.push('', '**Usage**');
  for (const usage of usageLines(command)) lines.push(`\`${p}${usage}\``);

  const patternDefaults = placeholderDefaults(command);
  const inPatterns = new Set(command.patterns.flatMap((p) => p.placeholders));
  const argLines = Object.entries(command.args as Record<string, ArgSpec>).map(([name, spec]) =>
    describeArg(name, spec, patternDefaults.get(name), inPatterns.has(name)),
  );
  if (command.allowExtra) argLines.push('• other `key=value` pairs are passed through');
  if (argLines.length > 0) lines.push('', '**Arguments**', ...argLines);

  lines.push(
    '',
    `**Permission:** ${command.permission ? `\`${command.permission}\`` : 'depends on the arguments'}`,
  );
  lines.push(`**Risk:** ${describeRisk(command)}`);
  if (command.rooms && command.rooms.length > 0) {
    lines.push(`**Rooms:** ${command.rooms.map((r) => `#${r}`).join(', ')}`);
  }
  if (command.timeoutMs !== undefined) lines.push(`**Timeout:** ${formatDuration(command.timeoutMs)}`);
  if (command.examples.length > 0) {
    lines.push('', '**Examples**', ...command.examples.map((e) => `\`${p}${e}\``));
  }
  return lines.join('\n');
}

/** The reply to a line that did not parse: what is wrong, the usage, and where to read more. */
export function renderParseFailure(failure: ParseFailure, options: HelpOptions = {}): string {
  const p = options.prefix ?? '';
  switch (failure.kind) {
    case 'empty':
      return `Type \`${p}help\` to see the commands you can run.`;
    case 'syntax': {
      if (failure.command === undefined) return failure.message;
      const usage = usageLines(failure.command).map((u) => `\`${p}${u}\``);
      return [failure.message, `Usage: ${usage.join(' or ')}`].join('\n');
    }
    case 'unknown_command': {
      const hint =
        failure.suggestions.length > 0
          ? ` Did you mean ${orList(
              failure.suggestions.map((s) => `${p}${s}`),
              '`',
            )}?`
          : '';
      return `I don't know the command \`${failure.word}\`.${hint} Type \`${p}help\` to see the commands you can run.`;
    }
    case 'usage': {
      const usage = usageLines(failure.command).map((u) => `\`${p}${u}\``);
      return [
        `\`${p}${failure.command.name}\`: ${failure.message}`,
        `Usage: ${usage.join(' or ')}`,
        `Type \`${p}help ${failure.command.name}\` for details and examples.`,
      ].join('\n');
    }
  }
}

/** The command's usage patterns as people read them: `deploy <app>[/<ref>] [to <env>]`. */
export function usageLines(command: Command): string[] {
  return command.patterns.map((pattern) => formatPattern(pattern));
}

function placeholderDefaults(command: Command): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const pattern of command.patterns) {
    walk(pattern.nodes, (node) => {
      if (node.type === 'placeholder' && node.default !== undefined && !defaults.has(node.name)) {
        defaults.set(node.name, node.default);
      }
    });
  }
  return defaults;
}

function describeArg(
  name: string,
  spec: ArgSpec,
  patternDefault: string | undefined,
  inPattern: boolean,
): string {
  const parts = [describeKind(spec)];
  if (spec.required) parts.push('required');
  if (spec.default !== undefined) parts.push(`default \`${describeValue(spec, spec.default)}\``);
  else if (patternDefault !== undefined) parts.push(`default \`${patternDefault}\``);
  if (
    (spec.type === 'integer' || spec.type === 'number') &&
    (spec.min !== undefined || spec.max !== undefined)
  ) {
    parts.push(`${spec.min ?? '…'}–${spec.max ?? '…'}`);
  }
  // Arguments no pattern mentions can only be given as key=value; say so.
  if (!inPattern) parts.push(`given as \`${name}=…\``);
  const description = spec.description ? ` — ${spec.description}` : '';
  return `• \`${name}\` — ${parts.join(', ')}${description}`;
}

/** What the command's risk means for the asker, in one phrase (help and `explain`). */
export function describeRisk(command: Command, ofRun?: Risk): string {
  if (ofRun === undefined && command.riskVaries) {
    return 'depends on the arguments: some runs need confirmation or approval';
  }
  const risk = ofRun ?? command.risk;
  if (risk === 'confirm') return 'asks you to confirm with a one-time code before it runs';
  if (risk === 'approval') return 'needs approval from another person who may run it';
  return 'runs straight away';
}
