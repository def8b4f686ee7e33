import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { batchedCounter } from './batched-counter.js';

function counter() {
  const registry = new Registry();
  const c = new Counter({
    name: 't_total',
    help: 't',
    labelNames: ['command', 'decision'],
    registers: [registry],
  });
  return { c, registry };
}

describe('batchedCounter', () => {
  test('every increment reaches the counter, by label pair, once the event loop turns', async () => {
    const { c, registry } = counter();
    const inc = batchedCounter(c, 'command', 'decision');
    for (let i = 0; i < 5; i++) inc('deploy', 'allowed');
    inc('deploy', 'denied');
    inc('ping', 'allowed');
    await new Promise((resolve) => setImmediate(resolve));
    const text = await registry.metrics();
    assert.match(text, /t_total\{command="deploy",decision="allowed"\} 5/);
    assert.match(text, /t_total\{command="deploy",decision="denied"\} 1/);
    assert.match(text, /t_total\{command="ping",decision="allowed"\} 1/);
    inc('deploy', 'allowed');
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(await registry.metrics(), /t_total\{command="deploy",decision="allowed"\} 6/);
  });

  test('increments made in a later turn are added, not lost or counted twice', async () => {
    const { c, registry } = counter();
    const inc = batchedCounter(c, 'command', 'decision');
    for (let turn = 0; turn < 3; turn++) {
      inc('x', 'allowed');
      inc('x', 'allowed');
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.match(await registry.metrics(), /t_total\{command="x",decision="allowed"\} 6/);
  });

  test('a counter with one label (domain events by type) counts the same way', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'e_total', help: 'e', labelNames: ['type'], registers: [registry] });
    const inc = batchedCounter(c, 'type');
    for (let i = 0; i < 100; i++) inc('alert.fired');
    inc('message.created');
    await new Promise((resolve) => setImmediate(resolve));
    const text = await registry.metrics();
    assert.match(text, /e_total\{type="alert.fired"\} 100/);
    assert.match(text, /e_total\{type="message.created"\} 1/);
  });
});
