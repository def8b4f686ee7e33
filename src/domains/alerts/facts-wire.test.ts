import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packFacts, unpackFacts } from './facts-wire.js';

describe('alert facts across the ingest thread', () => {
  it('packs a list into arrays of strings and unpacks the same facts, labels parsed from their JSON', () => {
    const list = [
      {
        id: 7,
        p: {
          fingerprint: 'a1b2c3d4e5f60718',
          alertname: 'DiskFull',
          severity: 'critical',
          labels: { alertname: 'DiskFull', instance: 'db1' },
          labelsJson: '{"alertname":"DiskFull","instance":"db1"}',
        },
      },
      {
        id: 9,
        p: {
          fingerprint: '0000000000000001',
          alertname: 'Ünïcode "quoted"',
          severity: 'warning',
          labels: { alertname: 'Ünïcode "quoted"' },
          labelsJson: '{"alertname":"Ünïcode \\"quoted\\""}',
        },
      },
    ];
    const packed = packFacts(list);
    // What crosses the thread: arrays of primitives only.
    for (const column of Object.values(packed)) {
      assert.ok(Array.isArray(column));
      for (const value of column) assert.ok(typeof value === 'string' || typeof value === 'number');
    }
    const back = unpackFacts(structuredClone(packed));
    assert.deepEqual(
      back.map(({ id, p }) => ({
        id,
        p: {
          fingerprint: p.fingerprint,
          alertname: p.alertname,
          severity: p.severity,
          labels: p.labels,
          labelsJson: p.labelsJson,
        },
      })),
      list,
    );
    assert.equal(back[0]!.p.labels, back[0]!.p.labels, 'parsed once, then the same object');
    assert.deepEqual(unpackFacts(packFacts([])), []);
  });
});
