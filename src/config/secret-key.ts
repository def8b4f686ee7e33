import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EnvironmentSettings } from './env.js';
import { ConfigError } from './load.js';
import type { OpsroomConfig } from './schema.js';

export const SECRET_KEY_BYTES = 32;

export interface SecretKey {
  key: Buffer;
  /** Where it came from, for a log line (never the key itself). */
  source: 'env' | 'file' | 'generated';
  file?: string;
}

export function secretKeyFile(config: OpsroomConfig): string {
  return config.secrets.keyFile ?? join(config.storage.dataDir, 'secret.key');
}

/**
 * Decodes a key written as 64 hex digits or as base64 (standard or url-safe) of 32 bytes. Anything
 * else is refused: a key silently padded or truncated would encrypt with something nobody can
 * reproduce from the backup.
 */
export function parseSecretKey(text: string, source: string, path: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (key?.length === SECRET_KEY_BYTES) return key;
  const got = key === undefined ? 'text that is neither hex nor base64' : `${key.length} bytes`;
  throw new ConfigError([
    {
      path,
      message:
        `the secret key must be ${SECRET_KEY_BYTES} bytes written as base64 (44 characters) or hex ` +
        `(64 characters); got ${got}. Make one with: openssl rand -base64 32`,
      source,
    },
  ]);
}

/**
 * The key secrets are encrypted with: OPSROOM_SECRET_KEY, else the key file, else a new random key
 * written to the key file (mode 0600) so a first `npm start` just works. `log` hears about a new key,
 * because losing that file loses every stored secret.
 */
export function loadSecretKey(
  config: OpsroomConfig,
  env: EnvironmentSettings,
  log: (message: string) => void = () => {},
): SecretKey {
  if (env.secretKey !== undefined) {
    return { key: parseSecretKey(env.secretKey, 'env', 'OPSROOM_SECRET_KEY'), source: 'env' };
  }
  const file = resolve(secretKeyFile(config));
  if (existsSync(file)) return { key: readKeyFile(file, log), source: 'file', file };
  const created = createKeyFile(file);
  if (created) {
    log(
      `generated a new secret key in ${file} (mode 0600); back it up with the database: ` +
        'stored secrets cannot be decrypted without it',
    );
    return { key: created, source: 'generated', file };
  }
  return { key: readKeyFile(file, log), source: 'file', file };
}

function readKeyFile(file: string, log: (message: string) => void): Buffer {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    log(`the secret key file ${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`);
  }
  return parseSecretKey(readFileSync(file, 'utf8'), file, 'secrets.keyFile');
}

/**
 * Writes the key under a temporary name and hard-links it into place, so two processes starting at
 * once (server and CLI, or parallel tests) never see a half-written file: the loser gets EEXIST and
 * reads the winner's key. Returns undefined when another process won.
 */
function createKeyFile(file: string): Buffer | undefined {
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(SECRET_KEY_BYTES);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}
