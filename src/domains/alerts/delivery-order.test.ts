import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryOrder } from './delivery-order.js';

describe('delivery order (the ingest thread writes in arrival order)', () => {
  it('runs each place’s work only after every earlier place ran, whenever it is filled', () => {
    const order = new DeliveryOrder();
    const ran: string[] = [];
    const a = order.take();
    const b = order.take();
    const c = order.take();
    assert.equal(order.waiting, 3);
    c(() => ran.push('c'));
    b(() => ran.push('b'));
    assert.equal(ran.length, 0, 'nothing runs while the first place is empty');
    a(() => ran.push('a'));
    assert.deepEqual(ran, ['a', 'b', 'c']);
    assert.equal(order.waiting, 0);
    const d = order.take();
    d(() => ran.push('d'));
    assert.deepEqual(ran, ['a', 'b', 'c', 'd'], 'a place filled at the head runs at once');
  });
});
