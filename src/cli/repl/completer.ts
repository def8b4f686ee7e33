/**
 * Tab completion for `opsroom shell`: the command word (names and aliases the caller may run), the
 * command after `help` and `explain`, the shell's own dot-commands, and room names after `.room`.
 * Pure, so it is tested without a terminal.
 */

/** What there is to complete from; fetched once when the shell starts. */
export interface CompletionWords {
  /** Bot command names and aliases. */
  commands: readonly string[];
  /** Room names, without '#'. */
  rooms: readonly string[];
}

/** The shell's own commands (everything else goes to the bot). */
export const DOT_COMMANDS = ['.exit', '.help', '.room'] as const;

/** Commands whose first argument is another command's name. */
const TAKES_COMMAND = new Set(['help', 'explain']);

/**
 * readline's completer: the candidates for the word being typed at the end of `line`, and that word.
 * With one candidate readline completes it; with several it lists them.
 *
 * @example
 * ```ts
 * completeLine('pi', { commands: ['ping', 'pong'], rooms: [] }); // [['ping'], 'pi']
 * completeLine('.room o', { commands: [], rooms: ['ops'] });    // [['ops'], 'o']
 * ```
 */
export function completeLine(line: string, words: CompletionWords): [string[], string] {
  const parts = line.trimStart().split(/\s+/);
  const current = parts[parts.length - 1] ?? '';
  if (parts.length === 1) {
    if (current.startsWith('.')) return [matching(DOT_COMMANDS, current), current];
    // `!ping` and `/ping` are how chat addresses the bot; people type them here out of habit.
    const sigil = /^[!/]/.exec(current)?.[0] ?? '';
    const word = current.slice(sigil.length).toLowerCase();
    return [matching(words.commands, word).map((c) => `${sigil}${c}`), current];
  }
  if (parts.length === 2) {
    const first = parts[0]!.toLowerCase().replace(/^[!/]/, '');
    if (first === '.room') {
      const sigil = current.startsWith('#') ? '#' : '';
      return [matching(words.rooms, current.slice(sigil.length)).map((r) => `${sigil}${r}`), current];
    }
    if (TAKES_COMMAND.has(first)) return [matching(words.commands, current.toLowerCase()), current];
  }
  return [[], current];
}

function matching(candidates: readonly string[], prefix: string): string[] {
  return [...new Set(candidates.filter((c) => c.startsWith(prefix)))].sort();
}
