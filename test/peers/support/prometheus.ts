import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, freePort, PeerProcess, tempDir } from './peer-process.js';

export interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * Debian's Prometheus in a temp dir, scraping `scrape` targets and evaluating `rules` every second,
 * sending to `alertmanagers` (host:port), re-sending firing alerts every 2 s
 * (`--rules.alert.resend-delay=2s`).
 */
export class Prometheus {
  private constructor(
    readonly url: string,
    private readonly process: PeerProcess,
    private readonly dir: { path: string; dispose(): void },
  ) {}

  /** `scrape`: host:port targets serving /metrics, scraped every second (job `peer`). */
  static async start(options: {
    alertmanagers: string[];
    rules: PrometheusRule[];
    scrape?: string[];
  }): Promise<Prometheus> {
    const binary = findBinary(['prometheus']);
    if (!binary)
      throw new Error('Prometheus is not installed: run `node scripts/test-services.mjs alert-peers`');
    const dir = tempDir('opsroom-prom-');
    const rulesFile = join(dir.path, 'rules.yml');
    const configFile = join(dir.path, 'prometheus.yml');
    // JSON is YAML.
    writeFileSync(
      rulesFile,
      JSON.stringify({ groups: [{ name: 'opsroom-peer-test', interval: '1s', rules: options.rules }] }),
    );
    writeFileSync(
      configFile,
      JSON.stringify({
        global: { evaluation_interval: '1s', scrape_interval: '15s' },
        rule_files: [rulesFile],
        scrape_configs: options.scrape?.length
          ? [{ job_name: 'peer', scrape_interval: '1s', static_configs: [{ targets: options.scrape }] }]
          : [],
        alerting: {
          alertmanagers: [
            {
              static_configs: [{ targets: options.alertmanagers.map((u) => u.replace(/^https?:\/\//, '')) }],
            },
          ],
        },
      }),
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const process = PeerProcess.start(
      'prometheus',
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir.path, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--rules.alert.resend-delay=2s',
        '--log.level=warn',
      ],
      dir.path,
    );
    const prometheus = new Prometheus(url, process, dir);
    try {
      await process.waitReady(`${url}/-/ready`);
    } catch (error) {
      await prometheus.stop();
      throw error;
    }
    return prometheus;
  }

  get log(): string {
    return this.process.log;
  }

  async stop(): Promise<void> {
    await this.process.stop();
    this.dir.dispose();
  }
}
