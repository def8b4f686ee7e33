import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/support/databases.js';
import { FakeClock } from '../../../core/clock.js';
import { InProcessEventBus } from '../../../runtime/event-bus.js';
import '../../chat/events.js';
import '../../secrets/events.js';
import { createClaim } from './claims.js';
import { EventListeners } from './event-listeners.js';
import { InFlight } from './in-flight.js';

for (const dialect of DIALECTS) {
  describe(`event listeners (${dialect} claims)`, () => {
    let database: TestDatabase;
    const clock = new FakeClock();
    const bus = new InProcessEventBus(clock);
    const errors: { error: unknown; context: Record<string, unknown> }[] = [];
    const node = () => {
      const inFlight = new InFlight();
      const events = new EventListeners({
        bus,
        claim: createClaim(database.db, clock),
        inFlight,
        onError: (error, context) => errors.push({ error, context }),
      });
      return { events, inFlight };
    };
    const pinned = (seq: number) =>
      bus.publish('message.pinned', {
        roomId: `r_${dialect}`,
        seq,
        frame: '{}',
        data: { messageId: `m_${seq}`, by: 'alice' },
      });
    before(async () => {
      database = await createTestDatabase(dialect);
    });
    after(() => database.dispose());

    test('a handler gets the typed payload of every event of its type', async () => {
      const { events, inFlight } = node();
      const names: string[] = [];
      events.on('secret.set', (payload, event) => {
        names.push(`${event.type}:${payload.name}:${payload.by}`);
      });
      bus.publish('secret.set', { name: 'DB_PASSWORD', created: true, by: 'root' });
      bus.publish('secret.removed', { name: 'DB_PASSWORD', by: 'root' });
      bus.publish('secret.set', { name: 'API_KEY', created: true, by: 'root' });
      await inFlight.drain();
      assert.deepEqual(names, ['secret.set:DB_PASSWORD:root', 'secret.set:API_KEY:root']);
      events.stop();
      bus.publish('secret.set', { name: 'LATE', created: true, by: 'root' });
      await inFlight.drain();
      assert.equal(names.length, 2, 'nothing after stop');
    });

    test('a room event runs each listener once, however often it is delivered and on however many nodes', async () => {
      const a = node();
      const b = node();
      const seen: string[] = [];
      a.events.on('message.pinned', ({ data }) => void seen.push(`a:${data.messageId}`), { id: 'pins' });
      b.events.on('message.pinned', ({ data }) => void seen.push(`b:${data.messageId}`), { id: 'pins' });
      pinned(1);
      pinned(1); // delivered twice
      pinned(2);
      await a.inFlight.drain();
      await b.inFlight.drain();
      assert.deepEqual(seen.map((s) => s.slice(2)).sort(), ['m_1', 'm_2']);
      a.events.stop();
      b.events.stop();
    });

    test('a failing handler is reported with its id and never reaches the publisher', async () => {
      const { events, inFlight } = node();
      events.on(
        'message.pinned',
        async () => {
          throw new Error('listener broke');
        },
        { id: 'broken' },
      );
      assert.doesNotThrow(() => pinned(3));
      await inFlight.drain();
      assert.equal(errors.at(-1)?.context.listener, 'broken');
      assert.match(String(errors.at(-1)?.error), /listener broke/);
      events.stop();
    });
  });
}
