/** The one place that reads process.env. Everything else receives values from the validated config. */
export interface EnvironmentSettings {
  port?: string;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  configFile?: string;
  logLevel?: string;
  url?: string;
  token?: string;
  secretKey?: string;
  testDatabaseUrl?: string;
  redisUrl?: string;
  /** NO_COLOR (no-color.org): any non-empty value turns colour off in the CLI. */
  noColor?: string;
  /** Where `opsroom shell` keeps its history (default ~/.opsroom_history). */
  historyFile?: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): EnvironmentSettings {
  const pick = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const settings: EnvironmentSettings = {};
  const entries: [keyof EnvironmentSettings, string][] = [
    ['port', 'OPSROOM_PORT'],
    ['host', 'OPSROOM_HOST'],
    ['dataDir', 'OPSROOM_DATA_DIR'],
    ['databaseUrl', 'OPSROOM_DATABASE_URL'],
    ['configFile', 'OPSROOM_CONFIG'],
    ['logLevel', 'OPSROOM_LOG_LEVEL'],
    ['url', 'OPSROOM_URL'],
    ['token', 'OPSROOM_TOKEN'],
    ['secretKey', 'OPSROOM_SECRET_KEY'],
    ['testDatabaseUrl', 'OPSROOM_TEST_DATABASE_URL'],
    ['redisUrl', 'OPSROOM_REDIS_URL'],
    ['noColor', 'NO_COLOR'],
    ['historyFile', 'OPSROOM_HISTORY_FILE'],
  ];
  for (const [key, name] of entries) {
    const value = pick(name);
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

/** The environment for a child process: ours plus `extra` (a password for pg_dump, say). */
export function childEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
