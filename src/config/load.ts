import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { CodedError, ErrorCode } from '../core/errors.js';
import { type EnvironmentSettings, readEnvironment } from './env.js';
import { configSchema, type OpsroomConfig } from './schema.js';

export interface ConfigProblem {
  /** Dotted YAML path, e.g. `server.port`; empty for the whole file. */
  path: string;
  message: string;
  line?: number;
  column?: number;
  source: string;
}

export class ConfigError extends CodedError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(ErrorCode.Config, formatProblems(problems));
    this.problems = problems;
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  return problems
    .map((p) => {
      const where = p.line === undefined ? p.source : `${p.source}:${p.line}:${p.column ?? 1}`;
      return `${where}: ${p.path === '' ? '(root)' : p.path}: ${p.message}`;
    })
    .join('\n');
}

const DEFAULT_CONFIG_FILE = 'opsroom.yaml';

interface ParsedFile {
  data: Record<string, unknown>;
  problems: ConfigProblem[];
  locate: (path: PropertyKey[]) => { line: number; column: number } | undefined;
}

/** A YAML document with its syntax problems and a way to find the line of any path in it. */
export interface ParsedYaml {
  /** The document as plain values; undefined when it has syntax errors. */
  value: unknown;
  /** True when the top level is a mapping. */
  isMapping: boolean;
  problems: ConfigProblem[];
  locate: (path: PropertyKey[]) => { line: number; column: number } | undefined;
}

/** Parses YAML text; problems carry `source:line:column`. Also used for action manifests. */
export function parseYaml(text: string, source: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems: ConfigProblem[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    return {
      path: '',
      message: error.message.split('\n')[0] ?? error.message,
      line: pos.line,
      column: pos.col,
      source,
    };
  });
  const locate = (path: PropertyKey[]) => {
    // Point at the deepest node that exists: an unknown key points at its parent's key.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      const range = node && typeof node === 'object' ? node.range : undefined;
      if (range) {
        const pos = lineCounter.linePos(range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
  const value = problems.length > 0 ? undefined : (doc.toJS() as unknown);
  return { value, isMapping: isMap(doc.contents), problems, locate };
}

function parseYamlFile(file: string): ParsedFile {
  const { value, isMapping, problems, locate } = parseYaml(readFileSync(file, 'utf8'), file);
  if (problems.length > 0) return { data: {}, problems, locate };
  if (value === null || value === undefined) return { data: {}, problems, locate };
  if (!isMapping) {
    problems.push({
      path: '',
      message: 'the file must be a mapping of settings',
      line: 1,
      column: 1,
      source: file,
    });
    return { data: {}, problems, locate };
  }
  // A section whose settings are all commented out reads as null: treat it as empty, not as an error.
  const data = Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, section]) => [key, section ?? {}]),
  );
  return { data, problems, locate };
}

function environmentOverrides(
  env: EnvironmentSettings,
  problems: ConfigProblem[],
): Record<string, Record<string, unknown>> {
  const overrides: Record<string, Record<string, unknown>> = { server: {}, storage: {}, log: {} };
  if (env.port !== undefined) {
    const port = Number(env.port);
    if (!/^\d+$/.test(env.port) || port > 65535) {
      problems.push({
        path: 'server.port',
        message: `OPSROOM_PORT must be a port number, got '${env.port}'`,
        source: 'env',
      });
    } else overrides.server!.port = port;
  }
  if (env.host !== undefined) overrides.server!.host = env.host;
  if (env.dataDir !== undefined) overrides.storage!.dataDir = env.dataDir;
  if (env.databaseUrl !== undefined) overrides.storage!.databaseUrl = env.databaseUrl;
  if (env.logLevel !== undefined) overrides.log!.level = env.logLevel;
  return overrides;
}

function mergeSections(
  file: Record<string, unknown>,
  overrides: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...file };
  for (const [section, values] of Object.entries(overrides)) {
    if (Object.keys(values).length === 0) continue;
    const base = file[section];
    merged[section] = { ...(base && typeof base === 'object' ? base : {}), ...values };
  }
  return merged;
}

/** zod issues as problems with YAML lines; an unknown key is named on its own. */
export function issuesToProblems(
  issues: z.core.$ZodIssue[],
  file: Pick<ParsedFile, 'locate'> | undefined,
  source: string,
): ConfigProblem[] {
  return issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const path = key === undefined ? issue.path : [...issue.path, key];
      const message = key === undefined ? issue.message : `unknown setting '${key}'`;
      const where = file?.locate(path);
      return { path: path.map(String).join('.'), message, source, ...(where ?? {}) };
    });
  });
}

export interface LoadConfigOptions {
  /** Explicit file; otherwise OPSROOM_CONFIG, otherwise ./opsroom.yaml when it exists. */
  file?: string;
  env?: EnvironmentSettings;
  /** Values that win over the file and the environment (tests use this). */
  overrides?: Record<string, Record<string, unknown>>;
}

/** Reads, merges (defaults < file < environment < overrides) and validates. Collects every problem. */
export function loadConfig(options: LoadConfigOptions = {}): OpsroomConfig {
  const env = options.env ?? readEnvironment();
  const explicit = options.file ?? env.configFile;
  const file = explicit ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  const problems: ConfigProblem[] = [];
  let parsed: ParsedFile | undefined;
  if (file !== undefined) {
    if (!existsSync(file)) {
      throw new ConfigError([{ path: '', message: `config file not found: ${resolve(file)}`, source: file }]);
    }
    parsed = parseYamlFile(file);
    problems.push(...parsed.problems);
  }
  const merged = mergeSections(
    mergeSections(parsed?.data ?? {}, environmentOverrides(env, problems)),
    options.overrides ?? {},
  );
  const result = configSchema.safeParse(merged);
  if (!result.success) problems.push(...issuesToProblems(result.error.issues, parsed, file ?? 'config'));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

/** For `opsroom config check`: every problem in a file, without throwing. */
export function checkConfigFile(file: string): ConfigProblem[] {
  try {
    loadConfig({ file, env: {} });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
