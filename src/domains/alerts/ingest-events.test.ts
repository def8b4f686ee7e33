import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryEvents } from './ingest-events.js';
import type { Prepared } from './ingest-prepare.js';

const prepared = (alertname: string, fingerprint: string): Prepared => ({
  labels: { alertname },
  labelsJson: JSON.stringify({ alertname }),
  annotationsJson: '{}',
  fingerprint,
  alertname,
  severity: 'warning',
  status: 'firing',
  startsAt: '2026-05-01T09:00:00.000Z',
  endsAt: null,
  generatorUrl: null,
  senderGroupBy: undefined,
});

describe('deliveryEvents', () => {
  it('one fired event per group and alert name, its ids in order, however the alerts interleave', () => {
    const now = '2026-05-01T10:00:00.000Z';
    const fired = [
      { id: 1, p: prepared('Disk', 'a1'), groupId: 7 },
      { id: 2, p: prepared('Disk', 'a2'), groupId: 7 },
      { id: 3, p: prepared('Cpu', 'b1'), groupId: 8 },
      { id: 4, p: prepared('Disk', 'a3'), groupId: 7 },
      { id: 5, p: prepared('Disk', 'a4'), groupId: null },
      { id: 6, p: prepared('Cpu', 'b2'), groupId: 8 },
      { id: 7, p: prepared('Mem', 'c1'), groupId: 8 },
    ];
    const events = deliveryEvents(now, {
      fired,
      arrivedResolved: [],
      resolved: [],
      updated: [],
      createdGroups: [8],
    });
    assert.deepEqual(
      events.map((e) => [e.kind, e.groupId, e.alertId, e.fingerprint, e.alertname, e.detail]),
      [
        ['fired', 7, null, null, 'Disk', '{"alertIds":[1,2,4]}'],
        ['fired', 8, null, null, 'Cpu', '{"alertIds":[3,6]}'],
        ['fired', null, 5, 'a4', 'Disk', '{"alertIds":[5]}'],
        ['fired', 8, 7, 'c1', 'Mem', '{"alertIds":[7]}'],
        ['group.created', 8, null, null, null, '{}'],
      ],
    );
  });
});
