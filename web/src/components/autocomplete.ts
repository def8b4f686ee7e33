// What the composer suggests at the caret: bot commands after a leading '/', people after '@'.
import type { BotCommand, UserView } from '../api/types.js';

export interface Suggestion {
  key: string;
  /** What replaces the token being typed. */
  insert: string;
  label: string;
  detail: string;
  hint?: string;
}

export interface Completion {
  kind: 'command' | 'mention';
  /** The token's start and end in the text. */
  from: number;
  to: number;
  items: Suggestion[];
}

const MAX_ITEMS = 8;

export function completionAt(
  text: string,
  caret: number,
  commands: readonly BotCommand[],
  users: readonly UserView[],
): Completion | null {
  const before = text.slice(0, caret);
  const command = /^\/([\w-]*)$/.exec(before);
  if (command) {
    const q = (command[1] ?? '').toLowerCase();
    const items = commands
      .filter((c) => c.name.startsWith(q) || c.aliases.some((a) => a.startsWith(q)))
      // Three letters or more also find a command by what it does ("rest" → restart, "log" → job).
      .concat(
        q.length >= 3
          ? commands.filter(
              (c) =>
                !c.name.startsWith(q) &&
                !c.aliases.some((a) => a.startsWith(q)) &&
                c.summary.toLowerCase().includes(q),
            )
          : [],
      )
      .slice(0, MAX_ITEMS)
      .map((c) => ({
        key: c.name,
        insert: `/${c.name} `,
        label: `/${c.name}`,
        detail: c.summary,
        hint: c.usage[0] ?? c.name,
      }));
    return items.length > 0 ? { kind: 'command', from: 0, to: caret, items } : null;
  }
  const mention = /(^|\s)@([\w.-]*)$/.exec(before);
  if (mention) {
    const q = (mention[2] ?? '').toLowerCase();
    const from = caret - q.length - 1;
    const people = users
      .filter((u) => !u.disabled)
      .filter((u) => u.username.startsWith(q) || u.displayName.toLowerCase().includes(q))
      .map((u) => ({
        key: u.username,
        insert: `@${u.username} `,
        label: `@${u.username}`,
        detail: u.displayName,
      }));
    const special = ['here', 'channel']
      .filter((n) => n.startsWith(q))
      .map((n) => ({ key: n, insert: `@${n} `, label: `@${n}`, detail: 'Notify everyone in the room' }));
    const items = [...people, ...special].slice(0, MAX_ITEMS);
    return items.length > 0 ? { kind: 'mention', from, to: caret, items } : null;
  }
  return null;
}

/** The command being typed (after `/name `), to show its usage and argument hints. */
export function commandBeingTyped(text: string, commands: readonly BotCommand[]): BotCommand | undefined {
  const m = /^[/!]([\w-]+)\s/.exec(text);
  if (!m) return undefined;
  const name = (m[1] ?? '').toLowerCase();
  return commands.find((c) => c.name === name || c.aliases.includes(name));
}

export interface ArgHint {
  name: string;
  detail: string;
}

/**
 * Argument hints: from the command's `args` when the server lists them (types, enum values,
 * defaults), else the `<name>` placeholders of its usage lines (`deploy <app>[/<ref>] to <env>`).
 */
export function argHints(command: BotCommand): ArgHint[] {
  if (command.args && command.args.length > 0) {
    return command.args.map((a) => ({
      name: a.name,
      detail: [
        a.values && a.values.length > 0 ? a.values.join(' | ') : a.type,
        a.default !== undefined ? `default ${a.default}` : a.required ? 'required' : undefined,
      ]
        .filter(Boolean)
        .join(' · '),
    }));
  }
  const seen = new Map<string, ArgHint>();
  for (const usage of command.usage) {
    for (const m of usage.matchAll(/<([\w-]+)>/g)) {
      const name = m[1] ?? '';
      if (!seen.has(name)) seen.set(name, { name, detail: '' });
    }
  }
  return [...seen.values()];
}
