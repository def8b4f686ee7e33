import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '../../core/errors.js';
import { canonicalJson } from './canonical-json.js';
import { chainRecords, GENESIS_HASH, prepareEntry, recordHash } from './record.js';
import { type AuditEntry, type AuditRecord, auditEntryScalars } from './schema.js';

/** Hashes computed by the original implementation (canonicalJson over the hashed fields): the format. */
const PINNED = {
  first: '369728284a90cae1518ed54c3411f0c72e23f94388e95a10dc015e4234908a54',
  second: '92a523a5de8db781d36a8c3b4b64264a65cab058064f8426ce1e52726d4f481b',
};

const first: Omit<AuditRecord, 'hash'> = {
  seq: 42,
  at: '2026-01-02T03:04:05.678Z',
  actor: 'zoë',
  actorId: 'u_01',
  channel: 'web',
  roomId: null,
  action: 'command.run',
  commandLine: 'echo "quoted" \\ back\tslash \u2028 🚀 lone \ud800 end',
  args: '{"a":"x \\"y\\""}',
  decision: 'allowed',
  decidedBy: null,
  jobId: '17',
  outcome: 'started',
  detail: '{}',
  prevHash: GENESIS_HASH,
};

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actor: 'alice',
    actorId: 'u_alice',
    channel: 'web',
    action: 'command.run',
    decision: 'allowed',
    ...overrides,
  };
}

const redact = (text: string) => text.replaceAll('hunter2', '[secret]');

describe('audit records', () => {
  test('recordHash gives the hashes records were always written with', () => {
    assert.equal(recordHash(first), PINNED.first);
    const second = {
      ...first,
      seq: 43,
      prevHash: PINNED.first,
      roomId: 'r_ops',
      decidedBy: 'bob',
      detail: '{"via":"root"}',
    };
    assert.equal(recordHash(second), PINNED.second);
  });

  test('recordHash is the canonical JSON of the hashed fields, whatever the order they were built in', () => {
    const { seq, prevHash, ...rest } = first;
    const reordered = { prevHash, ...rest, seq, hash: 'not hashed', extra: 'not a hashed field' };
    assert.equal(recordHash(reordered), PINNED.first);
  });

  test('recordHash refuses a field JSON cannot hold, by name', () => {
    assert.throws(
      () => recordHash({ ...first, roomId: undefined as unknown as null }),
      /canonicalJson: \$\.roomId is undefined/,
    );
    assert.throws(() => recordHash({ ...first, seq: Number.NaN }), /\$\.seq is NaN/);
  });

  test('the plain checks accept exactly what the schema accepts', () => {
    const long = (n: number) => 'x'.repeat(n);
    const cases: Partial<AuditEntry>[] = [
      {},
      { actor: long(200) },
      { actor: long(201) },
      { actor: '' },
      { actorId: '' },
      { actorId: long(201) },
      { action: long(100) },
      { action: long(101) },
      { channel: 'carrier-pigeon' as 'web' },
      { channel: 'system' },
      { decision: 'maybe' as 'allowed' },
      { decision: 'expired' },
      { roomId: '' },
      { roomId: long(200) },
      { roomId: long(201) },
      { decidedBy: long(201) },
      { jobId: 7 as unknown as string },
      { outcome: long(201) },
      { outcome: undefined as unknown as null },
      { actor: 5 as unknown as string },
      { decision: 'toString' as 'allowed' },
    ];
    for (const overrides of cases) {
      const e = entry(overrides);
      const schemaOk = auditEntryScalars.safeParse({
        ...e,
        roomId: e.roomId ?? null,
        decidedBy: e.decidedBy ?? null,
        jobId: e.jobId ?? null,
        outcome: e.outcome ?? null,
      }).success;
      const label = JSON.stringify(overrides).slice(0, 60);
      if (schemaOk) assert.doesNotThrow(() => prepareEntry(e, redact), label);
      else assert.throws(() => prepareEntry(e, redact), ValidationError, label);
    }
  });

  test('prepareEntry redacts string values of args and detail (not keys) and cleans the line', () => {
    const prepared = prepareEntry(
      entry({
        commandLine: 'login hunter2 \u0000 \ud800',
        args: { hunter2: 'hunter2', list: ['x hunter2', 3, null, true] },
        detail: { nested: { token: 'hunter2' } },
      }),
      redact,
    );
    assert.equal(prepared.commandLine, 'login [secret] \uFFFD \uFFFD');
    assert.equal(prepared.args, '{"hunter2":"[secret]","list":["x [secret]",3,null,true]}');
    assert.equal(prepared.detail, '{"nested":{"token":"[secret]"}}');
    assert.equal(prepareEntry(entry(), redact).args, null);
    assert.equal(prepareEntry(entry(), redact).detail, '{}');
    assert.equal(prepareEntry(entry({ args: [] }), redact).args, '[]');
  });

  test('the same args encode as the checked canonical form, then redacted', () => {
    const args = { b: [1.5, -0, 'ü\u2028'], a: { z: null, y: 'hunter2hunter2' } };
    const reference = canonicalJson(JSON.parse(canonicalJson(args).replaceAll('hunter2', '[secret]')));
    assert.equal(prepareEntry(entry({ args }), redact).args, reference);
  });

  test('chainRecords numbers after the head and links each record to the one before', () => {
    const batch = [
      prepareEntry(entry({ jobId: 'j1' }), redact),
      prepareEntry(entry({ jobId: 'j2' }), redact),
    ];
    const fresh = chainRecords(batch, undefined, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(
      fresh.map((r) => [r.seq, r.prevHash === GENESIS_HASH]),
      [
        [1, true],
        [2, false],
      ],
    );
    assert.equal(fresh[1]!.prevHash, fresh[0]!.hash);
    for (const record of fresh) assert.equal(recordHash(record), record.hash);
    const later = chainRecords(batch, { seq: 9, hash: 'f'.repeat(64) }, '2026-01-01T00:00:01.000Z');
    assert.equal(later[0]!.seq, 10);
    assert.equal(later[0]!.prevHash, 'f'.repeat(64));
    assert.notEqual(later[0]!.hash, fresh[0]!.hash);
  });
});
