import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskHeap } from './scheduler-heap.js';

describe('TaskHeap', () => {
  it('pops by due time, equal times in push order', () => {
    const heap = new TaskHeap();
    const dues = [50, 10, 40, 10, 30, 20, 50, 0, 40, 10];
    for (const [i, dueMs] of dues.entries()) heap.push({ key: `k${i}`, kind: 't', dueMs });
    assert.equal(heap.size, dues.length);
    assert.equal(heap.peek()?.key, 'k7');
    const out: string[] = [];
    for (let t = heap.pop(); t !== undefined; t = heap.pop()) out.push(t.key);
    assert.deepEqual(out, ['k7', 'k1', 'k3', 'k9', 'k5', 'k4', 'k2', 'k8', 'k0', 'k6']);
    assert.equal(heap.size, 0);
  });

  it('stays ordered under interleaved pushes and pops', () => {
    const heap = new TaskHeap();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const popped: number[] = [];
    for (let i = 0; i < 2000; i++) {
      heap.push({ key: String(i), kind: 't', dueMs: random() % 1000 });
      if (i % 3 === 0) popped.push(heap.pop()!.dueMs);
    }
    let last = -1;
    const rest: number[] = [];
    for (let t = heap.pop(); t !== undefined; t = heap.pop()) rest.push(t.dueMs);
    for (const d of rest) {
      assert.ok(d >= last, `${d} after ${last}`);
      last = d;
    }
    assert.equal(popped.length + rest.length, 2000);
  });
});
