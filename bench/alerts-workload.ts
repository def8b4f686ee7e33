// The alerts both sides ingest: the same label sets, annotations and start times, written once as
// Alertmanager webhook bodies (version 4, what Opsroom's /hooks/alertmanager receives) and once as
// Alertmanager API v2 arrays (what Alertmanager's /api/v2/alerts receives). Bodies are serialised
// before the clock starts, so the posters measure the servers, not JSON.stringify.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fingerprint } from '../src/domains/alerts/fingerprint.js';

export interface BenchAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
}

/**
 * `batches` groups of `size` alerts; group g is `alertname=Bench<run>_<g>` with `size` instances.
 * `revision` changes an annotation, so posting revision 1 after revision 0 updates known alerts.
 */
export function makeBatches(run: string, batches: number, size: number, revision = 0): BenchAlert[][] {
  const startsAt = new Date(Date.UTC(2026, 10, 30, 9, 0, 0)).toISOString();
  return Array.from({ length: batches }, (_, g) =>
    Array.from({ length: size }, (_, i) => ({
      labels: {
        alertname: `Bench${run}_${g}`,
        instance: `10.${(i >> 8) & 255}.${i & 255}.${g & 255}:9100`,
        job: 'node',
        service: `svc-${g % 20}`,
        severity: i % 10 === 0 ? 'critical' : 'warning',
      },
      annotations: {
        summary: `Disk on instance ${i} of group ${g} is filling up`,
        runbook_url: 'https://runbooks.example/disk',
        value: String(90 + revision),
      },
      startsAt,
    })),
  );
}

/** A map's entries in key order, as Go's encoding/json writes a map[string]string. */
function goMap(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * One Alertmanager webhook body (payload version 4) for one group, as Alertmanager 0.25 writes it:
 * labels and annotations with their keys in order, since Go writes maps that way (see the captured
 * bodies in shared/fixtures/alertmanager/).
 */
export function webhookBody(alerts: BenchAlert[], status: 'firing' | 'resolved' = 'firing'): string {
  const first = alerts[0]!;
  const groupLabels = { alertname: first.labels.alertname! };
  return JSON.stringify({
    receiver: 'opsroom',
    status,
    alerts: alerts.map((a) => ({
      status,
      labels: goMap(a.labels),
      annotations: goMap(a.annotations),
      startsAt: a.startsAt,
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example/graph',
      fingerprint: fingerprint(a.labels),
    })),
    groupLabels,
    commonLabels: { alertname: first.labels.alertname, job: 'node' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example',
    version: '4',
    groupKey: `{}:{alertname="${first.labels.alertname}"}`,
    truncatedAlerts: 0,
  });
}

/** The same alerts as an Alertmanager API v2 `POST /api/v2/alerts` body. */
export function apiV2Body(alerts: BenchAlert[]): string {
  return JSON.stringify(
    alerts.map((a) => ({
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      generatorURL: 'http://prometheus.example/graph',
    })),
  );
}

export interface PostResult {
  ms: number;
  errors: number;
  /** The first error's status and body, to say why. */
  firstError?: string;
}

/**
 * Posts every body to `url` from `concurrency` keep-alive connections, each taking the next body as
 * soon as its previous one is answered (closed loop), and times the whole lot.
 */
export async function postAll(
  url: string,
  bodies: string[],
  concurrency: number,
  headers: Record<string, string> = {},
): Promise<PostResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const one = (body: string) =>
    new Promise<void>((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            if (text.length < 500) text += c;
          });
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) {
              errors++;
              firstError ??= `${res.statusCode} ${text}`;
            }
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        errors++;
        firstError ??= error.message;
        resolve();
      });
      req.end(body);
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) await one(bodies[next++]!);
    }),
  );
  const ms = performance.now() - start;
  agent.destroy();
  return { ms, errors, ...(firstError ? { firstError } : {}) };
}

/**
 * CPU seconds a process has used (user + system, all its threads), from /proc/<pid>/stat. On a machine
 * shared with other work, alerts per CPU-second compares the two servers' efficiency even when
 * wall-clock rates are skewed by the load.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, i.e. 11 and 12 after the name; ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
