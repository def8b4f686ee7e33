/**
 * One action folder → one bot command. Reads `action.yaml`, validates it (YAML syntax, the strict schema,
 * parameters, every template, the program on disk) and builds the command with defineCommand, collecting
 * every problem with its file, line and YAML path, the way `opsroom config check` reports opsroom.yaml.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import { type ConfigProblem, issuesToProblems, parseYaml } from '../../config/load.js';
import { type Command, CommandDefinitionError, defineCommand } from '../../domains/bot/command.js';
import { type HttpDeps, httpRunner } from './http-action.js';
import { type ActionManifest, manifestSchema } from './manifest-schema.js';
import { toArgSpecs } from './param-specs.js';
import { type ScriptDeps, scriptRunner } from './script-action.js';
import { argNames, replyTemplateProblems, templateProblems } from './templates.js';

export const MANIFEST_FILES = ['action.yaml', 'action.yml'] as const;

export type ActionDeps = ScriptDeps & HttpDeps;

export interface LoadedAction {
  name: string;
  folder: string;
  /** The manifest file. */
  file: string;
  kind: 'script' | 'http';
  command: Command;
}

export type ActionLoad =
  | { ok: true; action: LoadedAction }
  | { ok: false; file: string; name?: string; problems: ConfigProblem[] };

type Path = (string | number)[];

/** The manifest in a folder, or undefined when it has none. */
export function manifestFileOf(folder: string): string | undefined {
  for (const name of MANIFEST_FILES) {
    const file = join(folder, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Loads the action in `folder` (which must hold a manifest). Never throws for a bad manifest. */
export function loadAction(folder: string, deps: ActionDeps): ActionLoad {
  const file = manifestFileOf(folder) ?? join(folder, MANIFEST_FILES[0]);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      file,
      problems: [{ path: '', message: `cannot read: ${(error as Error).message}`, source: file }],
    };
  }
  return loadActionText(folder, file, text, deps);
}

/** Validates and builds from the manifest's text (the loader passes what it read, so a change is seen once). */
export function loadActionText(folder: string, file: string, text: string, deps: ActionDeps): ActionLoad {
  const parsed = parseYaml(text, file);
  const fail = (problems: ConfigProblem[], name?: string): ActionLoad => ({
    ok: false,
    file,
    problems,
    ...(name !== undefined && { name }),
  });
  if (parsed.problems.length > 0) return fail(parsed.problems);
  if (parsed.value === null || parsed.value === undefined || !parsed.isMapping) {
    return fail([
      {
        path: '',
        message: 'an action manifest must be a mapping (name:, summary:, run: …)',
        line: 1,
        column: 1,
        source: file,
      },
    ]);
  }
  const result = manifestSchema.safeParse(parsed.value);
  const rawName = (parsed.value as { name?: unknown }).name;
  const name = typeof rawName === 'string' ? rawName : basename(folder);
  if (!result.success) return fail(issuesToProblems(result.error.issues, parsed, file), name);
  const manifest = result.data;

  const problems: ConfigProblem[] = [];
  const add = (path: Path, message: string) => {
    problems.push({
      path: path.map(String).join('.'),
      message,
      source: file,
      ...(parsed.locate(path) ?? {}),
    });
  };
  const { args, problems: paramProblems } = toArgSpecs(manifest.params ?? {});
  for (const p of paramProblems) add(p.path, p.message);
  const names = Object.keys(manifest.params ?? {});
  checkTemplates(manifest, names, add);

  let run: Command['run'] | undefined;
  if (manifest.run !== undefined) {
    run = scriptRun(manifest, manifest.run, folder, name, deps, add) as Command['run'] | undefined;
  } else if (manifest.http !== undefined) {
    run = httpRunner(
      { name, http: manifest.http, maxResponseBytes: manifest.maxOutput },
      deps,
    ) as Command['run'];
  }
  if (problems.length > 0 || run === undefined) return fail(problems, name);

  try {
    const command = defineCommand({
      name,
      summary: manifest.summary,
      group: manifest.group ?? 'Actions',
      args,
      permission: manifest.permission,
      timeoutMs: manifest.timeout,
      run,
      ...(manifest.description !== undefined && { description: manifest.description }),
      ...(manifest.aliases !== undefined && { aliases: manifest.aliases }),
      ...(manifest.usage !== undefined && {
        usage: typeof manifest.usage === 'string' ? [manifest.usage] : manifest.usage,
      }),
      ...(manifest.risk !== undefined && { risk: manifest.risk }),
      ...(manifest.rooms !== undefined && { rooms: manifest.rooms }),
      ...(manifest.locks !== undefined && { locks: manifest.locks }),
      ...(manifest.examples !== undefined && { examples: manifest.examples }),
    });
    return {
      ok: true,
      action: {
        name,
        folder,
        file,
        kind: manifest.run ? 'script' : 'http',
        command: command as unknown as Command,
      },
    };
  } catch (error) {
    if (!(error instanceof CommandDefinitionError)) throw error;
    for (const problem of error.problems)
      add(pathOfDefinitionProblem(problem, manifest.name !== undefined), problem);
    return fail(problems, name);
  }
}

/** defineCommand's problems are sentences; point each at the manifest key it is about. */
function pathOfDefinitionProblem(problem: string, hasName: boolean): Path {
  const keys: [RegExp, string][] = [
    [/^usage pattern|^rest argument/, 'usage'],
    [/^example/, 'examples'],
    [/^permission/, 'permission'],
    [/^alias/, 'aliases'],
    [/^lock/, 'locks'],
    [/^room/, 'rooms'],
    [/^argument|^arguments|^only one argument/, 'params'],
    [/^summary/, 'summary'],
  ];
  for (const [pattern, key] of keys) if (pattern.test(problem)) return [key];
  return hasName ? ['name'] : [];
}

function checkTemplates(
  manifest: ActionManifest,
  names: string[],
  add: (path: Path, message: string) => void,
) {
  const check = (path: Path, template: string, secrets: boolean) => {
    for (const message of templateProblems(template, names, secrets)) add(path, message);
  };
  for (const [key, value] of Object.entries(manifest.env ?? {})) check(['env', key], value, true);
  manifest.run?.forEach((element, i) => {
    if (i === 0 && argNames(element).length > 0) add(['run', 0], 'the program itself cannot be a template');
    else check(['run', i], element, false);
  });
  const http = manifest.http;
  if (http === undefined) return;
  check(['http', 'url'], http.url, true);
  const origin = /^https?:\/\/[^/?#]*/i.exec(http.url);
  if (!origin) add(['http', 'url'], 'must start with http:// or https://');
  else if (argNames(origin[0]).length > 0) {
    add(
      ['http', 'url'],
      'the scheme and host must be fixed text: arguments may only fill the path and query',
    );
  }
  for (const [key, value] of Object.entries(http.headers ?? {})) check(['http', 'headers', key], value, true);
  const walkBody = (value: unknown, path: Path) => {
    if (typeof value === 'string') check(path, value, true);
    else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walkBody(v, [...path, i]);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walkBody(v, [...path, k]);
    }
  };
  walkBody(http.body, ['http', 'body']);
  if (http.reply !== undefined) {
    for (const message of replyTemplateProblems(http.reply, names)) add(['http', 'reply'], message);
  }
}

function scriptRun(
  manifest: ActionManifest,
  run: string[],
  folder: string,
  name: string,
  deps: ActionDeps,
  add: (path: Path, message: string) => void,
) {
  const program = run[0]!;
  const file = findProgram(program, folder, deps.serverEnv.PATH);
  if (typeof file !== 'string') {
    add(['run', 0], file.problem);
    return undefined;
  }
  const cwd = resolve(folder, manifest.cwd ?? '.');
  if (!isDirectory(cwd)) {
    add(['cwd'], `${cwd} is not a directory`);
    return undefined;
  }
  return scriptRunner(
    {
      name,
      file,
      argv: run.slice(1),
      cwd,
      passEnv: manifest.passEnv ?? [],
      env: manifest.env ?? {},
      maxOutputBytes: manifest.maxOutput,
    },
    deps,
  );
}

/**
 * The program to run: a path with a '/' is relative to the action's folder; a bare name is looked up on
 * PATH. Either way it must be an executable file.
 */
export function findProgram(
  program: string,
  folder: string,
  path: string | undefined,
): string | { problem: string } {
  if (program.includes('/')) {
    const file = isAbsolute(program) ? program : resolve(folder, program);
    if (!existsSync(file)) return { problem: `${program}: no such file (looked for ${file})` };
    if (!isExecutableFile(file)) return { problem: `${program} is not an executable file: chmod +x ${file}` };
    return file;
  }
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, program);
    if (isExecutableFile(file)) return file;
  }
  return { problem: `${program}: not found on PATH (use ./${program} for a file beside action.yaml)` };
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
