/**
 * Loads plugins from `plugins.dir` (default ./plugins, relative to the working directory): each
 * `*.ts`/`*.mts` (through tsx, so no build step), `*.js`/`*.mjs` file, or folder with an `index.*`,
 * in name order. A plugin that fails to import or set up is logged with its file and left out; the
 * server starts anyway.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConflictError, ValidationError } from '../core/errors.js';
import { type InstalledPlugin, installPlugin, type PluginHost } from './plugin-api.js';

export type { InstalledPlugin, PluginHost } from './plugin-api.js';

const TYPESCRIPT = new Set(['.ts', '.mts']);
const JAVASCRIPT = new Set(['.js', '.mjs']);
const INDEX_FILES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'];

/** Why a plugin is missing: its file and the error (shown in the log at start). */
export interface PluginFailure {
  source: string;
  error: unknown;
}

export interface LoadedPlugins {
  plugins: InstalledPlugin[];
  failures: PluginFailure[];
  /** Unloads every plugin, last loaded first. */
  stop(): Promise<void>;
}

function isPluginFile(name: string): boolean {
  const ext = extname(name);
  if (!TYPESCRIPT.has(ext) && !JAVASCRIPT.has(ext)) return false;
  // Tests, type declarations and `_helpers.ts` sit beside plugins without being plugins.
  return !/\.(test|spec)\.[cm]?[jt]s$/.test(name) && !name.endsWith('.d.ts') && !/^[._]/.test(name);
}

/** The plugin entry files in a folder, sorted by name; none when the folder does not exist. */
export function findPluginFiles(dir: string): string[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) return [];
  const files: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isDirectory()) {
      if (/^[._]/.test(entry.name) || entry.name === 'node_modules') continue;
      const index = INDEX_FILES.map((f) => join(root, entry.name, f)).find((f) => existsSync(f));
      if (index) files.push(index);
    } else if (entry.isFile() && isPluginFile(entry.name)) {
      files.push(join(root, entry.name));
    }
  }
  return files;
}

let typeScriptRegistered: Promise<void> | undefined;

/**
 * Lets `import()` load TypeScript for the rest of the process, once, and only when there is a `.ts`
 * plugin. tsx's global `register()` rather than its scoped `tsImport()`: a scoped import gets its own
 * copy of every module it imports, so a plugin's `import … from 'opsroom'` would not be the server's
 * (its ValidationError would not be the dispatcher's). Registering again under tsx is harmless.
 */
function registerTypeScript(): Promise<void> {
  typeScriptRegistered ??= import('tsx/esm/api').then(({ register }) => void register());
  return typeScriptRegistered;
}

/** Imports a plugin file and returns its default export (or its `plugin` export). */
export async function importPluginFile(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  if (TYPESCRIPT.has(extname(file))) await registerTypeScript();
  const module = (await import(url)) as Record<string, unknown>;
  const plugin = module.default ?? module.plugin;
  if (plugin === undefined) {
    throw new ValidationError('the module has no default export: `export default definePlugin({...})`');
  }
  return plugin;
}

export interface LoadPluginsOptions {
  /** Folder to load from; skipped when undefined or missing. */
  dir?: string | undefined;
  /** Plugin objects to install first (buildApp's `plugins` override, createTestBot). */
  plugins?: readonly unknown[] | undefined;
  host: PluginHost;
}

/** Installs the given plugins, then those in `dir`. Never throws for a bad plugin: see `failures`. */
export async function loadPlugins(options: LoadPluginsOptions): Promise<LoadedPlugins> {
  const { host } = options;
  const plugins: InstalledPlugin[] = [];
  const failures: PluginFailure[] = [];
  const install = async (source: string, load: () => Promise<unknown>) => {
    try {
      const value = await load();
      const name = (value as { name?: unknown } | null)?.name;
      const clash = plugins.find((p) => p.name === name);
      if (clash)
        throw new ConflictError(`a plugin named '${String(name)}' is already loaded from ${clash.source}`);
      const installed = await installPlugin(value, source, host);
      plugins.push(installed);
      host.logger.info(
        { plugin: installed.name, file: source, commands: installed.commands },
        'plugin loaded',
      );
    } catch (error) {
      failures.push({ source, error });
      host.logger.error({ err: error, file: source }, `plugin failed to load: ${source}`);
    }
  };
  for (const plugin of options.plugins ?? []) await install('(inline)', async () => plugin);
  for (const file of options.dir === undefined ? [] : findPluginFiles(options.dir)) {
    await install(file, () => importPluginFile(file));
  }
  return {
    plugins,
    failures,
    async stop() {
      for (const plugin of plugins.splice(0).reverse()) await plugin.unload();
    },
  };
}
