import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An Alertmanager's API as far as reconciling reads it (tests of reconcile.ts): its start time, the
 * alerts it holds, and the Authorization header it insists on, if any.
 */
export class AlertmanagerApi {
  /** Up for an hour before `nowMs`. */
  started: string;

  constructor(nowMs: number) {
    this.started = new Date(nowMs - 3_600_000).toISOString();
  }

  /** Fingerprint → how it holds the alert. */
  holds = new Map<string, 'active' | 'inhibited' | 'silenced'>();
  failing = false;
  asked = 0;
  /** The Authorization header it insists on, as Alertmanager's `--web.config.file` basic auth does. */
  requires: string | undefined;
  /** The Authorization headers it was sent. */
  readonly sent: (string | undefined)[] = [];
  readonly server: Server = createServer((req, res) => {
    this.asked++;
    this.sent.push(req.headers.authorization);
    if (this.requires !== undefined && req.headers.authorization !== this.requires) {
      res.writeHead(401, { 'www-authenticate': 'Basic' }).end('Unauthorized');
      return;
    }
    if (this.failing) {
      res.writeHead(503).end('down');
      return;
    }
    const body =
      req.url === '/api/v2/status'
        ? { uptime: this.started, versionInfo: { version: '0.25.0' }, cluster: { status: 'disabled' } }
        : req.url === '/api/v2/alerts'
          ? [...this.holds].map(([fp, how]) => ({
              fingerprint: fp,
              startsAt: '2026-05-01T09:55:00Z',
              endsAt: '2026-05-01T11:00:00Z',
              status: {
                state: how === 'active' ? 'active' : 'suppressed',
                inhibitedBy: how === 'inhibited' ? ['src'] : [],
                silencedBy: how === 'silenced' ? ['s-1'] : [],
              },
            }))
          : undefined;
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  url = '';
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }
}
