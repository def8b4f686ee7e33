import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { IdGenerator } from './ids.js';

describe('IdGenerator', () => {
  it('ids are unique, sort in the order they were made and keep their shape, over many pool refills', () => {
    const clock = new FakeClock('2026-05-01T10:00:00Z');
    const ids = new IdGenerator(clock);
    const made: string[] = [];
    // 1,000 ids over 334 milliseconds: 334 fresh random draws (16 bytes each, ~21 KiB in all).
    for (let i = 0; i < 1000; i++) {
      if (i % 3 === 0) clock.advance(1);
      made.push(ids.next('msg_'));
    }
    assert.equal(new Set(made).size, made.length);
    assert.deepEqual([...made].sort(), made);
    for (const id of made) assert.match(id, /^msg_[0-9a-hjkmnp-tv-z]{26}$/);
    // Fresh draws differ in their random part: not one fixed buffer reused.
    const randomParts = new Set(made.filter((_, i) => i % 3 === 0).map((id) => id.slice(14)));
    assert.equal(randomParts.size, 334);
  });
});
