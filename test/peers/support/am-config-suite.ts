// Shared by the peer tests of Alertmanager 0.25 configurations (alertmanager-configs.test.ts and
// alertmanager-receivers.test.ts): alerts as Prometheus sends them, card checks, a sink that records
// what Alertmanager sent, and the suite's Opsroom and Alertmanagers.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before } from 'node:test';
import type { MessageView } from '../../../src/domains/chat/schema.js';
import { Alertmanager, type AlertmanagerConfigSpec, type PeerAlert } from './alertmanager.js';
import { looksResolved, OpsroomPeer } from './opsroom-peer.js';

export const WAIT_MS = 30_000;

/** Firing alerts as Prometheus sends them: started a minute ago, endsAt a few evaluations ahead. */
export function firing(alertname: string, labels: Record<string, string>[], summary = `${alertname} fires`) {
  const now = Date.now();
  return labels.map(
    (extra): PeerAlert => ({
      labels: { alertname, job: 'node', severity: 'critical', ...extra },
      annotations: { summary },
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 10 * 60_000).toISOString(),
    }),
  );
}

/** The same alerts, resolved (endsAt in the past). */
export function resolvedOf(alerts: PeerAlert[]): PeerAlert[] {
  const past = new Date(Date.now() - 1000).toISOString();
  return alerts.map((a) => ({ ...a, endsAt: past }));
}

export const instances = (...names: string[]) => names.map((instance) => ({ instance }));

/** The field of a card titled `title` (Opsroom's own cards: Status, Alerts (n firing, m resolved), …). */
export function field(message: MessageView, title: RegExp): string | undefined {
  const found = message.card?.fields?.find((f) => title.test(f.title));
  return found === undefined ? undefined : `${found.title}: ${found.value}`;
}

/** One card for the group in the room; returns it. */
export async function oneCard(ops: OpsroomPeer, room: string, alertname: string): Promise<MessageView> {
  const found = await ops.cards(room, alertname);
  assert.equal(found.length, 1, `${room}: one card for ${alertname}, saw ${found.length}`);
  return found[0]!;
}

/** Asserts an Opsroom card: firing with `count` alerts (title, Alerts field, red), or resolved (green). */
export function assertCard(message: MessageView, expected: { firing: number } | 'resolved'): void {
  const card = message.card!;
  const seen = JSON.stringify({ title: card.title, color: card.color, fields: card.fields });
  if (expected === 'resolved') {
    assert.ok(looksResolved(message), `resolved: ${seen}`);
    assert.equal(card.color, 'good', seen);
    assert.match(field(message, /^Alerts/) ?? '', /\(0 firing/, seen);
    return;
  }
  assert.ok(!looksResolved(message), `firing: ${seen}`);
  assert.equal(card.color, 'danger', seen);
  assert.match(card.title, new RegExp(`· ${expected.firing} firing$`), seen);
  assert.match(field(message, /^Alerts/) ?? '', new RegExp(`^Alerts \\(${expected.firing} firing`), seen);
}

/** A webhook receiver that keeps every body (what Alertmanager actually sent, for the evidence). */
export class RecordingSink {
  readonly bodies: Record<string, unknown>[] = [];
  private constructor(
    readonly url: string,
    private readonly server: Server,
  ) {}

  static async start(): Promise<RecordingSink> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const sink = new RecordingSink(`http://127.0.0.1:${port}/hook`, server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.end('ok');
        try {
          sink.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        } catch {
          // Not JSON: ignored.
        }
      });
    });
    return sink;
  }

  /** Bodies whose alerts include one named `alertname`. */
  about(alertname: string): Record<string, unknown>[] {
    return this.bodies.filter((b) =>
      (b.alerts as { labels: Record<string, string> }[] | undefined)?.some(
        (a) => a.labels.alertname === alertname,
      ),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/**
 * A suite's peers, set up in its `before` and stopped in its `after` (call inside `describe`): one
 * Opsroom as installed, reconciling every second and trusting each new Alertmanager at once, the
 * recording sink, and `start`, which starts an Alertmanager (group_wait 1s, group_interval 1s,
 * repeat_interval 2s unless the spec says otherwise) stopped with the suite.
 */
export function amConfigSuite() {
  let ops: OpsroomPeer | undefined;
  let sink: RecordingSink | undefined;
  const managers: Alertmanager[] = [];
  before(async () => {
    ops = await OpsroomPeer.start({ reconcile: { interval: '1s', min_uptime: '0s' } });
    sink = await RecordingSink.start();
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.stop()));
    await sink?.close();
    await ops?.dispose();
  });
  return {
    get ops(): OpsroomPeer {
      return ops!;
    },
    get sink(): RecordingSink {
      return sink!;
    },
    async start(spec: AlertmanagerConfigSpec, options: { externalHost?: string } = {}) {
      const am = await Alertmanager.start(
        { groupWait: '1s', groupInterval: '1s', repeatInterval: '2s', ...spec },
        options,
      );
      managers.push(am);
      return am;
    },
  };
}
