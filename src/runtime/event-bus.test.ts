import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../core/clock.js';
import type { EventEnvelope } from '../core/events.js';
import { InProcessEventBus } from './event-bus.js';

test('every event carries the clock time of its publish, also in a burst and after the clock moves', () => {
  const clock = new FakeClock('2026-12-07T09:00:00.000Z');
  const errors: unknown[] = [];
  const bus = new InProcessEventBus(clock, (error) => errors.push(error));
  const seen: EventEnvelope[] = [];
  bus.subscribeAll((event) => seen.push(event));
  bus.subscribe('user.created', () => {
    throw new Error('a broken handler');
  });
  const publish = () =>
    bus.publish('user.created', { userId: 'u_1', username: 'ann', roles: ['member'], by: 'system' });
  publish();
  publish();
  clock.advance(1);
  publish();
  clock.set('2026-12-08T00:00:00.000Z');
  publish();
  clock.set('2026-12-07T09:00:00.000Z');
  publish();
  assert.deepEqual(
    seen.map((e) => e.at),
    [
      '2026-12-07T09:00:00.000Z',
      '2026-12-07T09:00:00.000Z',
      '2026-12-07T09:00:00.001Z',
      '2026-12-08T00:00:00.000Z',
      '2026-12-07T09:00:00.000Z',
    ],
  );
  assert.equal(errors.length, 5, 'a handler that throws is reported and the others still hear');
});
