import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CardAlert, type CardGroup, renderGroupCard } from './card.js';

const group: CardGroup = {
  id: 4,
  status: 'firing',
  severity: 'critical',
  alertname: 'DiskAlmostFull',
  labels: { alertname: 'DiskAlmostFull' },
  sourceKind: 'alertmanager',
  groupKey: '{}:{alertname="DiskAlmostFull"}@r1',
  createdAt: '2026-12-07T09:00:00.000Z',
  resolvedAt: null,
  ackedBy: null,
  mutedUntilResolved: false,
  flapping: false,
  silencedBy: undefined,
};
const disk = (id: number, name: string, summary: string, over: Partial<CardAlert> = {}): CardAlert => ({
  id,
  status: 'firing',
  severity: 'critical',
  labels: {
    alertname: 'DiskAlmostFull',
    disk: name,
    instance: 'db1:9100',
    job: 'node',
    severity: 'critical',
  },
  annotations: { summary },
  startsAt: '2026-12-07T09:00:00.000Z',
  generatorUrl: null,
  muted: null,
  ...over,
});
const field = (card: ReturnType<typeof renderGroupCard>, prefix: string) =>
  card.fields?.find((f) => f.title.startsWith(prefix))?.value;
const now = Date.parse('2026-12-07T09:05:00Z');

test('alerts with their own summaries: each line says what tells it apart and its own summary', () => {
  const card = renderGroupCard(
    group,
    [disk(1, 'sda', 'Disk sda is 95% full'), disk(2, 'sdb', 'Disk sdb is 97% full')],
    now,
  );
  assert.equal(
    field(card, 'Alerts'),
    '🔥 disk=sda — Disk sda is 95% full\n🔥 disk=sdb — Disk sdb is 97% full',
  );
  assert.equal(
    field(card, 'Labels'),
    'alertname=DiskAlmostFull · every alert listed: instance=db1:9100, job=node, severity=critical',
  );
  assert.equal(card.text, undefined, 'no one summary stands for both');
});

test('alerts that share a summary: the card says it once, the lines only their labels', () => {
  const card = renderGroupCard(
    group,
    [disk(1, 'sda', 'Disks filling up'), disk(2, 'sdb', 'Disks filling up')],
    now,
  );
  assert.equal(card.text, 'Disks filling up');
  assert.equal(field(card, 'Alerts'), '🔥 disk=sda\n🔥 disk=sdb');
});

test('one alert: its labels beyond the group, its summary as the text', () => {
  const card = renderGroupCard(group, [disk(1, 'sda', 'Disk sda is 95% full')], now);
  assert.equal(card.text, 'Disk sda is 95% full');
  assert.equal(field(card, 'Alerts'), '🔥 disk=sda, instance=db1:9100, job=node, severity=critical');
  assert.equal(field(card, 'Labels'), 'alertname=DiskAlmostFull');
});

test('a muted alert still says why, before its own summary', () => {
  const card = renderGroupCard(
    group,
    [disk(1, 'sda', 'Disk sda is 95% full', { muted: 'silence:3' }), disk(2, 'sdb', 'Disk sdb is 97% full')],
    now,
  );
  assert.equal(
    field(card, 'Alerts'),
    '🔇 disk=sda — silenced — Disk sda is 95% full\n🔥 disk=sdb — Disk sdb is 97% full',
  );
});
