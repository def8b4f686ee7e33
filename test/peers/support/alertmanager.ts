import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, freePort, PeerProcess, tempDir } from './peer-process.js';

/** Debian's package installs `prometheus-alertmanager`; upstream builds are called `alertmanager`. */
export function alertmanagerBinary(): string {
  const found = findBinary(['prometheus-alertmanager', 'alertmanager']);
  if (!found)
    throw new Error(
      'Alertmanager is not installed: run `node scripts/test-services.mjs alert-peers` (apt-get install prometheus-alertmanager)',
    );
  return found;
}

export interface ReceiverSpec {
  name: string;
  /** `webhook_configs[].url` (Opsroom's /hooks/alertmanager/:token). */
  webhookUrl?: string;
  /** `slack_configs[].api_url` (Opsroom's /hooks/slack/:token). */
  slackUrl?: string;
  /** More `webhook_configs` (a counting sink beside Opsroom, say). */
  extraWebhookUrls?: string[];
  /** `send_resolved` of the `webhookUrl` config (true by default; extra URLs always send resolves). */
  sendResolved?: boolean;
  /** `max_alerts` of the `webhookUrl` config (0, every alert, by default). */
  maxAlerts?: number;
  /** `http_config` of the `webhookUrl` config (`authorization`, `basic_auth`, …). */
  webhookHttpConfig?: Record<string, unknown>;
  /** More keys of the `slack_configs` entry (title, text, color, fields, username, title_link, ...). */
  slack?: Record<string, unknown>;
}

export interface AlertmanagerConfigSpec {
  receivers: ReceiverSpec[];
  /** The root route's receiver; the first receiver by default. */
  receiver?: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** Child routes, in Alertmanager's own shape (matchers, receiver, continue, ...). */
  routes?: Record<string, unknown>[];
  inhibitRules?: Record<string, unknown>[];
}

/** Alertmanager's YAML for the spec. JSON is YAML, so it is written as JSON. */
export function alertmanagerConfig(spec: AlertmanagerConfigSpec): string {
  const receivers = spec.receivers.map((r) => ({
    name: r.name,
    ...(r.webhookUrl || r.extraWebhookUrls
      ? {
          webhook_configs: [
            ...(r.webhookUrl
              ? [
                  {
                    url: r.webhookUrl,
                    send_resolved: r.sendResolved ?? true,
                    ...(r.maxAlerts === undefined ? {} : { max_alerts: r.maxAlerts }),
                    ...(r.webhookHttpConfig === undefined ? {} : { http_config: r.webhookHttpConfig }),
                  },
                ]
              : []),
            ...(r.extraWebhookUrls ?? []).map((url) => ({ url, send_resolved: true })),
          ],
        }
      : {}),
    ...(r.slackUrl
      ? {
          slack_configs: [
            { api_url: r.slackUrl, channel: '#alerts', send_resolved: true, ...(r.slack ?? {}) },
          ],
        }
      : {}),
  }));
  return JSON.stringify(
    {
      route: {
        receiver: spec.receiver ?? spec.receivers[0]?.name,
        group_by: spec.groupBy ?? ['alertname'],
        group_wait: spec.groupWait ?? '1s',
        group_interval: spec.groupInterval ?? '1s',
        repeat_interval: spec.repeatInterval ?? '1h',
        ...(spec.routes ? { routes: spec.routes } : {}),
      },
      receivers,
      ...(spec.inhibitRules ? { inhibit_rules: spec.inhibitRules } : {}),
    },
    null,
    2,
  );
}

export interface PeerAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** A past time resolves the alert. */
  endsAt?: string;
  generatorURL?: string;
}

/**
 * One Alertmanager 0.25 process in a temp dir: not clustered (`--cluster.listen-address=` empty), on
 * a free loopback port. Two started with the same config are an HA pair without gossip, each sending.
 */
export class Alertmanager {
  private constructor(
    readonly url: string,
    private readonly process: PeerProcess,
    private readonly dir: { path: string; dispose(): void },
  ) {}

  /**
   * `externalHost`: the host its `--web.external-url` names (what its webhook bodies call it), if not
   * the loopback address it listens on: a name only its own machine resolves, say.
   */
  static async start(
    config: string | AlertmanagerConfigSpec,
    options: { externalHost?: string } = {},
  ): Promise<Alertmanager> {
    const dir = tempDir('opsroom-am-');
    const configFile = join(dir.path, 'alertmanager.yml');
    writeFileSync(configFile, typeof config === 'string' ? config : alertmanagerConfig(config));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const process = PeerProcess.start(
      'alertmanager',
      alertmanagerBinary(),
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir.path, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${options.externalHost ? `http://${options.externalHost}:${port}` : url}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      dir.path,
    );
    const am = new Alertmanager(url, process, dir);
    try {
      await process.waitReady(`${url}/-/ready`);
    } catch (error) {
      await am.stop();
      throw error;
    }
    return am;
  }

  get log(): string {
    return this.process.log;
  }

  /** The process id (benchmarks read its CPU time). */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /**
   * POST /api/v2/alerts; throws with Alertmanager's answer unless it is 200. Each try has a deadline and
   * a failed one is retried: on a loaded machine a request must not hang a test for minutes.
   */
  async post(alerts: PeerAlert[]): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const response = await fetch(`${this.url}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify(alerts),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        if (response.ok) return;
        lastError = new Error(`Alertmanager refused alerts: ${response.status} ${text}`);
        if (response.status < 500) break;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Makes a silence (POST /api/v2/silences) of equality matchers for `minutes`; its id. */
  async silence(labels: Record<string, string>, minutes = 60): Promise<string> {
    const now = Date.now();
    const response = await fetch(`${this.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: Object.entries(labels).map(([name, value]) => ({
          name,
          value,
          isRegex: false,
          isEqual: true,
        })),
        startsAt: new Date(now - 1000).toISOString(),
        endsAt: new Date(now + minutes * 60_000).toISOString(),
        createdBy: 'opsroom-test',
        comment: 'peer test',
      }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Alertmanager refused the silence: ${response.status} ${text}`);
    return (JSON.parse(text) as { silenceID: string }).silenceID;
  }

  /** The alerts it holds (GET /api/v2/alerts), for waiting on Prometheus. */
  async alerts(): Promise<{ labels: Record<string, string>; status: { state: string } }[]> {
    const response = await fetch(`${this.url}/api/v2/alerts`, { signal: AbortSignal.timeout(15_000) });
    return (await response.json()) as { labels: Record<string, string>; status: { state: string } }[];
  }

  async stop(): Promise<void> {
    await this.process.stop();
    this.dir.dispose();
  }
}
