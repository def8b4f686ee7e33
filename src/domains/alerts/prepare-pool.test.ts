import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CodedError, ErrorCode, ValidationError } from '../../core/errors.js';
import { prepareDelivery } from './prepare-delivery.js';
import { PreparePool } from './prepare-pool.js';

const limits = { maxAlerts: 1000, maxLabels: 64 };
const nowMs = Date.UTC(2026, 10, 30, 12, 0, 0);

function body(count: number, tweak: (alert: Record<string, unknown>, i: number) => void = () => {}) {
  const alerts = Array.from({ length: count }, (_, i) => {
    const alert: Record<string, unknown> = {
      status: 'firing',
      labels: { alertname: 'Disk', instance: `10.0.${i >> 8}.${i & 255}:9100`, severity: 'warning' },
      annotations: { summary: `Disk ${i} is filling up`, value: 'é 😀' },
      startsAt: '2026-11-30T09:00:00.123456789Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example/graph',
    };
    tweak(alert, i);
    return alert;
  });
  return Buffer.from(JSON.stringify({ version: '4', status: 'firing', alerts }));
}

/** A tweak for `body`: alert `index` gets `value` at `key`. */
const at = (index: number, key: string, value: unknown) => (alert: Record<string, unknown>, i: number) => {
  if (i === index) alert[key] = value;
};

/** A tweak for `body`: every alert gets these labels. */
const relabel = (labels: Record<string, string>) => (alert: Record<string, unknown>) => {
  alert.labels = labels;
};

/** What a call gives: the alerts, or the refusal's class, code, message and details. */
async function outcome(run: () => Promise<unknown> | unknown) {
  try {
    return { alerts: await run() };
  } catch (error) {
    assert.ok(error instanceof CodedError, String(error));
    return {
      class: error.constructor.name,
      code: error.code,
      message: error.message,
      details: error.details,
    };
  }
}

describe('PreparePool (large hook bodies on a worker thread)', () => {
  const errors: unknown[] = [];
  const pool = new PreparePool({ limits, minWorkerBytes: 1, onError: (e) => errors.push(e) });
  after(() => pool.close());

  it('gives what the inline path gives, for good bodies and for each kind of refusal', async () => {
    const cases: Buffer[] = [
      body(150),
      body(3, at(2, 'labels', { 'bad-name': 'x' })),
      body(3, at(1, 'startsAt', 'yesterday')),
      body(2, at(0, 'status', 'maybe')),
      Buffer.from('{"version":"4","alerts":['),
      Buffer.from([0x7b, 0xff, 0x7d]),
      Buffer.from(JSON.stringify({ version: '3', alerts: [] })),
    ];
    for (const [i, raw] of cases.entries()) {
      const inline = await outcome(() => prepareDelivery('alertmanager', raw, limits, nowMs));
      const worker = await outcome(() => pool.prepare('alertmanager', raw, nowMs));
      assert.deepEqual(worker, inline, `case ${i}`);
      if (i > 0) assert.ok('code' in worker, `case ${i} is refused`);
    }
    const refused = await outcome(() => pool.prepare('alertmanager', cases[1]!, nowMs));
    assert.equal(refused.class, ValidationError.name);
    assert.equal(
      (await outcome(() => pool.prepare('alertmanager', cases[4]!, nowMs))).code,
      ErrorCode.BadJson,
    );
    assert.deepEqual(errors, []);
  });

  it('prepares many bodies at once, each answered with its own alerts', async () => {
    const bodies = Array.from({ length: 20 }, (_, k) =>
      body(40, relabel({ alertname: `A${k}`, i: String(k) })),
    );
    const results = await Promise.all(bodies.map((b) => pool.prepare('alertmanager', b, nowMs)));
    for (const [k, alerts] of results.entries()) {
      assert.equal(alerts.length, 1, 'the 40 copies are one alert');
      assert.equal(alerts[0]!.alertname, `A${k}`);
    }
  });

  it('small bodies stay inline, and a closed pool prepares everything inline', async () => {
    const small = new PreparePool({ limits, minWorkerBytes: 1_000_000, onError: () => {} });
    const inline = small.prepare('alertmanager', body(2), nowMs);
    assert.ok(Array.isArray(inline), 'answered synchronously, no worker');
    const closed = new PreparePool({ limits, minWorkerBytes: 1, onError: () => {} });
    await closed.close();
    assert.ok(Array.isArray(closed.prepare('alertmanager', body(2), nowMs)));
  });

  it('what the worker has in hand when the pool closes is prepared inline, not lost', async () => {
    const closing = new PreparePool({ limits, minWorkerBytes: 1, onError: () => {} });
    const pending = Array.from({ length: 10 }, (_, k) =>
      closing.prepare('alertmanager', body(30, relabel({ alertname: `C${k}` })), nowMs),
    );
    await closing.close();
    const results = await Promise.all(pending);
    assert.deepEqual(
      results.map((alerts) => alerts[0]!.alertname),
      Array.from({ length: 10 }, (_, k) => `C${k}`),
    );
  });
});
