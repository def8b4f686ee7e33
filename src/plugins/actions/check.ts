/**
 * `opsroom actions check`: every manifest in an actions folder, validated exactly as the server loads it
 * (schema, parameters, templates, the program on disk), plus name clashes between actions and with the
 * built-in commands. Nothing is run.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigProblem } from '../../config/load.js';
import type { Clock } from '../../core/clock.js';
import { type LoadedAction, loadAction, manifestFileOf } from './load-action.js';

export interface ActionsCheck {
  actions: LoadedAction[];
  problems: ConfigProblem[];
  /** Sub-folders without an action.yaml (skipped, not an error). */
  skipped: string[];
}

export interface CheckOptions {
  clock: Clock;
  serverEnv: Readonly<Record<string, string | undefined>>;
  /** The built-in command that owns a word, if one does. */
  builtIn: (word: string) => string | undefined;
}

export function checkActions(dir: string, options: CheckOptions): ActionsCheck {
  const result: ActionsCheck = { actions: [], problems: [], skipped: [] };
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).sort();
  } catch {
    result.problems.push({ path: '', message: `no actions folder at ${dir}`, source: dir });
    return result;
  }
  const deps = {
    clock: options.clock,
    serverEnv: options.serverEnv,
    // Checking never runs anything, so secrets are never needed.
    renderSecrets: async (text: string) => text,
  };
  const owners = new Map<string, LoadedAction>();
  for (const name of names) {
    const folder = join(dir, name);
    if (name.startsWith('.') || !isDirectory(folder)) continue;
    if (manifestFileOf(folder) === undefined) {
      result.skipped.push(folder);
      continue;
    }
    const loaded = loadAction(folder, deps);
    if (!loaded.ok) {
      result.problems.push(...loaded.problems);
      continue;
    }
    const { action } = loaded;
    const clashes: string[] = [];
    for (const word of [action.name, ...action.command.aliases]) {
      const builtIn = options.builtIn(word);
      const other = owners.get(word);
      if (builtIn !== undefined) clashes.push(`'${word}' belongs to the built-in command '${builtIn}'`);
      else if (other !== undefined) clashes.push(`'${word}' is already used by ${other.file}`);
    }
    if (clashes.length > 0) {
      for (const message of clashes) result.problems.push({ path: 'name', message, source: action.file });
      continue;
    }
    for (const word of [action.name, ...action.command.aliases]) owners.set(word, action);
    result.actions.push(action);
  }
  return result;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
