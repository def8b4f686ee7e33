import type { Command } from 'commander';
import { type EnvironmentSettings, loadConfig, type OpsroomConfig } from '../config/index.js';
import { ValidationError } from '../core/errors.js';
import type { OpsroomClient } from './client.js';
import { DEFAULT_URL, HttpClient } from './http-client.js';
import { type CliIo, LineWriter } from './io.js';

/** Options every command accepts (declared on the program; commander reads them anywhere on the line). */
export interface GlobalOptions {
  config?: string;
  url?: string;
  token?: string;
  offline?: boolean;
  as?: string;
  json?: boolean;
}

/** What a command's action gets: output, options, config and a client to do the work with. */
export class CliContext {
  readonly out: LineWriter;
  readonly err: LineWriter;
  readonly env: EnvironmentSettings;

  constructor(
    readonly program: Command,
    readonly io: CliIo,
    env: EnvironmentSettings,
  ) {
    this.out = new LineWriter(io.stdout);
    this.err = new LineWriter(io.stderr);
    this.env = env;
  }

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get json(): boolean {
    return this.options.json === true;
  }

  /** A status line for a person; on stderr so that stdout stays data. */
  notice(text: string): void {
    this.err.line(`opsroom: ${text}`);
  }

  loadConfig(): OpsroomConfig {
    const file = this.options.config;
    return loadConfig({ env: this.env, ...(file === undefined ? {} : { file }) });
  }

  /**
   * Opens the client the options ask for, runs `work`, and always closes it. `asOverApi`: the command
   * passes `--as` to the server itself (bot runs), so it is allowed without `--offline`.
   */
  async withClient<T>(
    work: (client: OpsroomClient) => Promise<T>,
    options: { asOverApi?: boolean } = {},
  ): Promise<T> {
    const client = await this.openClient(options.asOverApi === true);
    try {
      return await work(client);
    } finally {
      await client.close();
    }
  }

  private async openClient(asOverApi: boolean): Promise<OpsroomClient> {
    const { offline, as, url, token } = this.options;
    if (offline) {
      // Loaded on demand: the whole server (Fastify, database drivers) is not needed to talk to one.
      const { OfflineClient } = await import('./offline-client.js');
      return OfflineClient.open(this.loadConfig(), {
        ...(as === undefined ? {} : { as }),
        logStream: this.io.stderr,
        notice: (text) => this.notice(text),
      });
    }
    if (as !== undefined && !asOverApi) {
      throw new ValidationError(
        '--as works with --offline, or with `run` and `shell`; otherwise the token says who you are',
      );
    }
    const base = url ?? this.env.url ?? this.defaultUrl();
    if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
      throw new ValidationError(`--url must be an http:// or https:// URL, got '${base}'`);
    }
    return new HttpClient(base, token ?? this.env.token);
  }

  /** The server this machine's own config would run: publicUrl, else host:port, else the default. */
  private defaultUrl(): string {
    let config: OpsroomConfig;
    try {
      config = this.loadConfig();
    } catch {
      // The config only helps guess the address here; a broken one is `config check`'s business.
      return DEFAULT_URL;
    }
    if (config.server.publicUrl !== undefined) return config.server.publicUrl;
    const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
    if (config.server.port === 0) return DEFAULT_URL;
    return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
  }
}
