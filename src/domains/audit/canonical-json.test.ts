import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  test('sorts keys at every depth and adds no whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } }),
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  test('the same value built in a different key order encodes identically', () => {
    const one = { env: 'prod', app: 'api', nested: { b: 2, a: 1 } };
    const two = { nested: { a: 1, b: 2 }, app: 'api', env: 'prod' };
    assert.equal(canonicalJson(one), canonicalJson(two));
  });

  test('keys sort by code unit, not locale', () => {
    assert.equal(canonicalJson({ b: 1, B: 2, ä: 3, a: 4 }), '{"B":2,"a":4,"b":1,"ä":3}');
  });

  test('scalars, escapes and unicode', () => {
    assert.equal(canonicalJson(null), 'null');
    assert.equal(canonicalJson(false), 'false');
    assert.equal(canonicalJson(-0), '0');
    assert.equal(canonicalJson(1.5e-7), '1.5e-7');
    assert.equal(canonicalJson('a"b\\c\n'), '"a\\"b\\\\c\\n"');
    assert.equal(canonicalJson('zürich 🚀'), '"zürich 🚀"');
    assert.equal(canonicalJson([]), '[]');
    assert.equal(canonicalJson({}), '{}');
    assert.equal(canonicalJson(Object.create(null) as object), '{}');
  });

  test('refuses what JSON cannot round-trip, naming where', () => {
    assert.throws(() => canonicalJson(undefined), /\$ is undefined/);
    assert.throws(() => canonicalJson({ a: { b: undefined } }), /\$\.a\.b is undefined/);
    assert.throws(() => canonicalJson({ f: () => 1 }), /\$\.f is function/);
    assert.throws(() => canonicalJson([1, Number.NaN]), /\$\[1\] is NaN/);
    assert.throws(() => canonicalJson(Number.POSITIVE_INFINITY), /Infinity/);
    assert.throws(() => canonicalJson(10n), /bigint/);
    assert.throws(() => canonicalJson(Symbol('s')), /symbol/);
    // biome-ignore lint/suspicious/noSparseArray: a hole is the case under test
    assert.throws(() => canonicalJson([1, , 3]), /\$\[1\] is undefined/);
    assert.throws(() => canonicalJson({ at: new Date(0) }), /Date object/);
    assert.throws(() => canonicalJson(new Map()), /Map object/);
  });

  test('refuses cycles but allows the same object twice side by side', () => {
    const shared = { x: 1 };
    assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    assert.throws(() => canonicalJson(loop), /circular/);
  });

  test('round-trips through JSON.parse to an equal value', () => {
    const value = { list: [1, 'two', { three: 3 }], flag: true, none: null, text: 'ü\u2028' };
    assert.deepEqual(JSON.parse(canonicalJson(value)), value);
  });
});

describe('canonicalJson beyond the fast path', () => {
  test('mapString rewrites string values at every depth, never keys', () => {
    const upper = (text: string) => text.toUpperCase();
    assert.equal(
      canonicalJson({ key: 'v', list: ['a', { inner: 'b' }], n: 1, none: null }, upper),
      '{"key":"V","list":["A",{"inner":"B"}],"n":1,"none":null}',
    );
    assert.equal(canonicalJson('top', upper), '"TOP"');
  });

  test('nesting deeper than the fast encoder goes still encodes, and still names a bad leaf', () => {
    let deep: unknown = { leaf: 'x' };
    for (let i = 0; i < 100; i++) deep = { b: [deep], a: i };
    const encoded = canonicalJson(deep);
    assert.deepEqual(JSON.parse(encoded), deep);
    assert.ok(encoded.startsWith('{"a":99,"b":[{"a":98,'), 'keys sorted at depth');
    let bad: unknown = { leaf: undefined };
    for (let i = 0; i < 100; i++) bad = { x: bad };
    assert.throws(
      () => canonicalJson(bad),
      new RegExp(
        `^TypeError: canonicalJson: \\$${'\\.x'.repeat(100)}\\.leaf is undefined, which JSON cannot hold$`,
      ),
    );
  });

  test('a cycle far below the top is refused by name', () => {
    const top: Record<string, unknown> = {};
    let cursor = top;
    for (let i = 0; i < 80; i++) {
      const next: Record<string, unknown> = {};
      cursor.n = next;
      cursor = next;
    }
    cursor.back = top;
    assert.throws(() => canonicalJson(top), /\$(\.n){80}\.back is a circular reference/);
  });

  test('an error thrown by mapString reaches the caller unchanged', () => {
    const failure = new Error('redactor broke');
    assert.throws(
      () =>
        canonicalJson({ a: 'x' }, () => {
          throw failure;
        }),
      (error) => error === failure,
    );
  });
});
