/**
 * The set of commands the bot knows, indexed by the words that start them. Lookup is one Map get on
 * the first word, which keeps dispatch flat at hundreds of commands. Script actions hot-reload, so
 * commands can be replaced and removed as well as added.
 */
import { ConflictError } from '../../core/errors.js';
import { type Command, type CommandDefinition, defineCommand, isCommand } from './command.js';
import type { CommandLookup } from './parser.js';

export class CommandRegistry implements CommandLookup {
  private readonly byName = new Map<string, Command>();
  /** Name or alias → the command that owns it; names and aliases never clash. */
  private readonly owners = new Map<string, Command>();
  /** First word → commands it may start: owners first, then commands whose patterns start with it. */
  private readonly starts = new Map<string, Command[]>();
  private allWords: readonly string[] | undefined;
  private sortedList: Command[] | undefined;

  /**
   * Adds a command. A plain definition (e.g. from a JavaScript plugin) is checked with defineCommand
   * first. A name or alias already taken by another command is a ConflictError naming both.
   */
  register(command: Command | CommandDefinition): Command {
    const checked = isCommand(command) ? command : defineCommand(command as CommandDefinition);
    for (const word of [checked.name, ...checked.aliases]) {
      const owner = this.owners.get(word);
      if (owner !== undefined) {
        const what = word === owner.name ? 'the name' : 'an alias';
        throw new ConflictError(
          `Command '${checked.name}': '${word}' is already ${what} of command '${owner.name}'`,
        );
      }
    }
    this.byName.set(checked.name, checked);
    for (const word of [checked.name, ...checked.aliases]) this.owners.set(word, checked);
    this.rebuildStarts();
    return checked;
  }

  /** Removes a command by name; true when there was one. */
  unregister(name: string): boolean {
    const command = this.byName.get(name.toLowerCase());
    if (command === undefined) return false;
    this.byName.delete(command.name);
    for (const word of [command.name, ...command.aliases]) this.owners.delete(word);
    this.rebuildStarts();
    return true;
  }

  /** Replaces a command of the same name (hot reload), or adds it. */
  replace(command: Command | CommandDefinition): Command {
    const name = String(command.name).toLowerCase();
    const previous = this.byName.get(name);
    if (previous !== undefined) this.unregister(name);
    try {
      return this.register(command);
    } catch (error) {
      if (previous !== undefined) this.register(previous);
      throw error;
    }
  }

  /** The command a name or alias belongs to (case-insensitive). */
  lookup(word: string): Command | undefined {
    return this.owners.get(word.toLowerCase());
  }

  get(name: string): Command | undefined {
    return this.byName.get(name.toLowerCase());
  }

  candidates(word: string): readonly Command[] {
    return this.starts.get(word.toLowerCase()) ?? [];
  }

  /** Every command, sorted by name. */
  list(): Command[] {
    return [...this.sorted()];
  }

  /** The commands a predicate allows, sorted by name: `help` passes "may this asker run it". */
  visibleTo(predicate: (command: Command) => boolean): Command[] {
    return this.sorted().filter(predicate);
  }

  // Sorted once per change, not per call: help and suggestions ask for it on every message they answer.
  private sorted(): readonly Command[] {
    this.sortedList ??= [...this.byName.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    return this.sortedList;
  }

  words(filter?: (command: Command) => boolean): readonly string[] {
    if (filter === undefined) {
      // Frozen, so "did you mean" can keep its lower-cased forms and letter sets until the next change.
      this.allWords ??= Object.freeze([...this.owners.keys()]);
      return this.allWords;
    }
    const out: string[] = [];
    for (const [word, owner] of this.owners) if (filter === undefined || filter(owner)) out.push(word);
    return out;
  }

  get size(): number {
    return this.byName.size;
  }

  // Rebuilt on every change: changes are rare (load, hot reload), lookups are per message.
  private rebuildStarts(): void {
    this.allWords = undefined;
    this.sortedList = undefined;
    this.starts.clear();
    const add = (word: string, command: Command) => {
      const list = this.starts.get(word) ?? [];
      if (!list.includes(command)) list.push(command);
      this.starts.set(word, list);
    };
    for (const [word, owner] of this.owners) add(word, owner);
    for (const command of this.byName.values()) {
      for (const pattern of command.patterns) add(pattern.head, command);
    }
  }
}
