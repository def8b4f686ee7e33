import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALERTMANAGER_FIXTURES } from '../../../test/support/fixtures.js';
import { fingerprint } from './fingerprint.js';

const FIXTURES = ALERTMANAGER_FIXTURES;

describe('fingerprint', () => {
  it('equals every fingerprint Alertmanager 0.25 sent in the fixtures', () => {
    let checked = 0;
    for (const file of readdirSync(FIXTURES).filter((f) => f.startsWith('am025-webhook'))) {
      const body = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as {
        alerts: { labels: Record<string, string>; fingerprint: string }[];
      };
      for (const alert of body.alerts) {
        assert.equal(
          fingerprint(alert.labels),
          alert.fingerprint,
          `${file}: ${JSON.stringify(alert.labels)}`,
        );
        checked++;
      }
    }
    assert.equal(checked, 3);
  });

  it('is FNV-1a 64 offset basis for no labels, and independent of key order', () => {
    assert.equal(fingerprint({}), 'cbf29ce484222325');
    assert.equal(fingerprint({ b: '2', a: '1' }), fingerprint({ a: '1', b: '2' }));
    assert.notEqual(fingerprint({ a: '1' }), fingerprint({ a: '2' }));
  });

  it('separates name and value, so moving a character across the boundary changes it', () => {
    assert.notEqual(fingerprint({ ab: 'c' }), fingerprint({ a: 'bc' }));
  });

  it('hashes non-ASCII values as UTF-8 bytes (Go strings are bytes)', () => {
    // FNV-1a 64 of the bytes: 'x' 0xff 'é'(c3 a9) 0xff, computed with BigInt as the reference.
    let h = 0xcbf29ce484222325n;
    for (const b of [0x78, 0xff, 0xc3, 0xa9, 0xff]) {
      h ^= BigInt(b);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
    assert.equal(fingerprint({ x: 'é' }), h.toString(16).padStart(16, '0'));
  });
});

describe('fingerprint against a BigInt FNV-1a 64 over the UTF-8 bytes', () => {
  const reference = (labels: Record<string, string>) => {
    let h = 0xcbf29ce484222325n;
    for (const name of Object.keys(labels).sort()) {
      for (const b of [...Buffer.from(name), 0xff, ...Buffer.from(labels[name]!), 0xff]) {
        h ^= BigInt(b);
        h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
      }
    }
    return h.toString(16).padStart(16, '0');
  };

  it('agrees on label sets of every size, unsorted names, ASCII, 2-, 3- and 4-byte characters and lone surrogates', () => {
    const pieces = [
      'a',
      'Z',
      '0',
      '_',
      ':',
      ' ',
      '\u007f',
      '\u0080',
      'é',
      '\u07ff',
      '\u0800',
      '日',
      '\uffff',
      '😀',
      '\ud800',
      '\udfff',
    ];
    let checked = 0;
    for (let k = 0; k < 3000; k++) {
      const labels: Record<string, string> = {};
      for (let i = 0; i < k % 8; i++) {
        let value = '';
        for (let j = 0; j < (k * 7 + i * 13) % 50; j++)
          value += pieces[(k * 31 + j * 17 + i) % pieces.length];
        labels[`l${(k + i * 5) % 11}`] = value;
      }
      assert.equal(fingerprint(labels), reference(labels), JSON.stringify(labels));
      checked++;
    }
    assert.equal(checked, 3000);
  });
});
