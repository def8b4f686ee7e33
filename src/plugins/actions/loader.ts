/**
 * Keeps the bot's commands in step with the actions folder: loads every `<name>/action.yaml` at start and,
 * while watching, reloads after changes (debounced on the clock) by rescanning the folder. A broken
 * manifest is logged with its problems and never removes the version that worked; a name that belongs
 * to a built-in or to another action is refused with both named. Nothing here throws into the server.
 *
 * Watching uses one non-recursive fs.watch on the folder (folders added or removed) and one on each
 * action folder (its manifest and program changing). Only those two levels matter, so this needs no
 * recursive watching, which Node only emulates on Linux.
 */
import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { formatProblems } from '../../config/load.js';
import type { CancelTimer, Clock } from '../../core/clock.js';
import type { Command } from '../../domains/bot/command.js';
import type { CommandRegistry } from '../../domains/bot/registry.js';
import { type ActionDeps, type LoadedAction, loadActionText, manifestFileOf } from './load-action.js';

/** Where the loader reports; app.ts adapts the app's logger to it. */
export interface ActionsLog {
  info(message: string, detail: Record<string, unknown>): void;
  warn(message: string, detail: Record<string, unknown>): void;
  error(message: string, detail: Record<string, unknown>): void;
}

export interface ActionLoaderOptions {
  dir: string;
  registry: CommandRegistry;
  deps: ActionDeps;
  log: ActionsLog;
  clock: Clock;
  /** Quiet time after the last change before reloading. Default 250 ms. */
  debounceMs?: number;
}

interface Entry {
  action: LoadedAction;
  text: string;
}

interface Watched {
  watcher: FSWatcher;
  ino: number;
}

export class ActionLoader {
  private readonly loaded = new Map<string, Entry>();
  /** The last problems logged per folder, so an unchanged broken manifest is reported once. */
  private readonly reported = new Map<string, string>();
  private readonly watchers = new Map<string, Watched>();
  private parentWatcher: FSWatcher | undefined;
  private pending: CancelTimer | undefined;
  private watching = false;
  private closed = false;

  constructor(private readonly options: ActionLoaderOptions) {}

  /** Loads what is there now; with `watch`, keeps following changes until close(). */
  start(watch: boolean): this {
    this.watching = watch;
    this.rescan();
    return this;
  }

  /** The actions loaded now, sorted by name. */
  list(): LoadedAction[] {
    return [...this.loaded.values()].map((e) => e.action).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Reads the folder again and applies every difference. Safe to call at any time. */
  rescan(): void {
    if (this.closed) return;
    try {
      this.scan();
    } catch (error) {
      this.options.log.error('reloading actions failed', { dir: this.options.dir, err: error });
    }
  }

  /** Stops watching; loaded commands stay registered. */
  close(): void {
    this.closed = true;
    this.pending?.();
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
    this.parentWatcher?.close();
    this.parentWatcher = undefined;
  }

  private scan(): void {
    const { dir } = this.options;
    const folders = this.folders();
    if (folders === undefined) {
      for (const folder of [...this.loaded.keys()]) this.unload(folder, 'its folder is gone');
      this.closeWatchers(() => true);
      this.watchParent();
      return;
    }
    this.parentWatcher?.close();
    this.parentWatcher = undefined;
    if (this.watching) this.watchPath(dir);
    for (const folder of [...this.loaded.keys()]) {
      if (!folders.includes(folder)) this.unload(folder, 'its folder was removed');
    }
    this.closeWatchers((path) => path !== dir && !folders.includes(path));
    for (const folder of folders) {
      if (this.watching) this.watchPath(folder);
      this.loadFolder(folder);
    }
  }

  /** Action folders (not hidden), sorted; undefined when the actions folder does not exist. */
  private folders(): string[] | undefined {
    let entries: string[];
    try {
      entries = readdirSync(this.options.dir);
    } catch {
      return undefined;
    }
    return entries
      .filter((name) => !name.startsWith('.'))
      .map((name) => join(this.options.dir, name))
      .filter((path) => {
        try {
          return statSync(path).isDirectory();
        } catch {
          return false;
        }
      })
      .sort();
  }

  private loadFolder(folder: string): void {
    const file = manifestFileOf(folder);
    if (file === undefined) {
      if (this.loaded.has(folder)) this.unload(folder, 'its action.yaml was removed');
      this.reported.delete(folder);
      return;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // Gone between the listing and the read: the next event rescans.
    }
    const previous = this.loaded.get(folder);
    if (previous !== undefined && previous.text === text) return;
    const result = loadActionText(folder, file, text, this.options.deps);
    if (!result.ok) {
      this.reportOnce(folder, formatProblems(result.problems), () => {
        this.options.log.error('action manifest has problems', {
          file: this.shown(file),
          problems: formatProblems(result.problems.map((p) => ({ ...p, source: this.shown(p.source) }))),
        });
        if (previous !== undefined) {
          this.options.log.warn('keeping the previous version of the action until its manifest is fixed', {
            action: previous.action.name,
            file: this.shown(file),
          });
        }
      });
      return;
    }
    const clash = this.clash(result.action, previous);
    if (clash !== undefined) {
      this.reportOnce(folder, clash, () =>
        this.options.log.error('action not loaded: name clash', { file: this.shown(file), problem: clash }),
      );
      return;
    }
    try {
      this.register(result.action, previous);
    } catch (error) {
      this.reportOnce(folder, String(error), () =>
        this.options.log.error('action not loaded', { file: this.shown(file), err: error }),
      );
      return;
    }
    this.loaded.set(folder, { action: result.action, text });
    this.reported.delete(folder);
    this.options.log.info(previous === undefined ? 'action loaded' : 'action reloaded', {
      action: result.action.name,
      kind: result.action.kind,
      file: this.shown(file),
    });
  }

  /** Who already owns one of the action's words: a built-in (or plugin), or another action folder. */
  private clash(action: LoadedAction, previous: Entry | undefined): string | undefined {
    const ours = new Map<Command, LoadedAction>();
    for (const entry of this.loaded.values()) ours.set(entry.action.command, entry.action);
    for (const word of [action.name, ...action.command.aliases]) {
      const owner = this.options.registry.lookup(word);
      if (owner === undefined || owner === previous?.action.command) continue;
      const other = ours.get(owner);
      const what = word === action.name ? 'name' : 'alias';
      if (other !== undefined) {
        return `the ${what} '${word}' is already used by the action in ${this.shown(other.file)}`;
      }
      return `the ${what} '${word}' belongs to the built-in command '${owner.name}': rename the action`;
    }
    return undefined;
  }

  private register(action: LoadedAction, previous: Entry | undefined): void {
    const { registry } = this.options;
    if (previous === undefined || previous.action.name === action.name) {
      registry.replace(action.command);
      return;
    }
    registry.unregister(previous.action.name);
    try {
      registry.register(action.command);
    } catch (error) {
      registry.register(previous.action.command);
      throw error;
    }
  }

  private unload(folder: string, why: string): void {
    const entry = this.loaded.get(folder);
    if (entry === undefined) return;
    this.loaded.delete(folder);
    this.options.registry.unregister(entry.action.name);
    this.options.log.info('action removed', {
      action: entry.action.name,
      why,
      file: this.shown(entry.action.file),
    });
  }

  private reportOnce(folder: string, key: string, report: () => void): void {
    if (this.reported.get(folder) === key) return;
    this.reported.set(folder, key);
    report();
  }

  /** Paths in messages are relative to the actions folder's parent: `actions/disk/action.yaml`. */
  private shown(path: string): string {
    return relative(dirname(this.options.dir), path) || path;
  }

  private schedule = (): void => {
    if (this.closed) return;
    this.pending?.();
    this.pending = this.options.clock.setTimer(this.options.debounceMs ?? 250, () => {
      this.pending = undefined;
      this.rescan();
    });
  };

  /** Watches a folder; a folder replaced by another of the same name (new inode) is watched afresh. */
  private watchPath(path: string): void {
    let ino: number;
    try {
      ino = statSync(path).ino;
    } catch {
      return;
    }
    const current = this.watchers.get(path);
    if (current?.ino === ino) return;
    current?.watcher.close();
    try {
      const watcher = watch(path, { persistent: false }, this.schedule);
      watcher.on('error', () => {
        watcher.close();
        if (this.watchers.get(path)?.watcher === watcher) this.watchers.delete(path);
        this.schedule();
      });
      this.watchers.set(path, { watcher, ino });
    } catch (error) {
      this.options.log.warn('cannot watch for action changes', { path, err: error });
    }
  }

  /** While the actions folder does not exist, watch its parent for it to appear. */
  private watchParent(): void {
    if (!this.watching || this.parentWatcher !== undefined) return;
    const name = basename(this.options.dir);
    try {
      this.parentWatcher = watch(dirname(this.options.dir), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.schedule();
      });
      this.parentWatcher.on('error', () => {
        this.parentWatcher?.close();
        this.parentWatcher = undefined;
      });
    } catch {
      // The parent is missing too: nothing to watch; a restart picks the folder up.
    }
  }

  private closeWatchers(which: (path: string) => boolean): void {
    for (const [path, { watcher }] of [...this.watchers]) {
      if (which(path)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }
}
