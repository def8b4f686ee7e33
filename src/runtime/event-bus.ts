import type { Clock } from '../core/clock.js';
import type { EventEnvelope, EventType, OpsroomEvents } from '../core/events.js';

export type EventHandler<K extends EventType = EventType> = (event: EventEnvelope<K>) => void;

/** The port every domain publishes state changes to. A Redis implementation joins it for scale-out. */
export interface EventBus {
  publish<K extends EventType>(type: K, payload: OpsroomEvents[K]): void;
  subscribe<K extends EventType>(type: K, handler: EventHandler<K>): () => void;
  subscribeAll(handler: EventHandler): () => void;
}

/**
 * Delivers synchronously, in publish order, to every handler. A handler that throws is reported to
 * `onHandlerError` and does not stop delivery to the others.
 */
export class InProcessEventBus implements EventBus {
  private readonly byType = new Map<string, Set<EventHandler>>();
  private readonly all = new Set<EventHandler>();
  /** The last publish's time, as a number and as text: a burst (an alert delivery publishes one event
   *  per alert) formats the same millisecond once, not once per event (~0.5 us each). */
  private lastMs = Number.NaN;
  private lastAt = '';

  constructor(
    private readonly clock: Clock,
    private readonly onHandlerError: (error: unknown, type: string) => void = () => {},
  ) {}

  publish<K extends EventType>(type: K, payload: OpsroomEvents[K]): void {
    const ms = this.clock.nowMs();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastAt = new Date(ms).toISOString();
    }
    const event = { type, at: this.lastAt, payload } as EventEnvelope;
    for (const handler of this.byType.get(type) ?? []) this.deliver(handler, event);
    for (const handler of this.all) this.deliver(handler, event);
  }

  subscribe<K extends EventType>(type: K, handler: EventHandler<K>): () => void {
    let set = this.byType.get(type);
    if (!set) {
      set = new Set();
      this.byType.set(type, set);
    }
    set.add(handler as unknown as EventHandler);
    return () => set.delete(handler as unknown as EventHandler);
  }

  subscribeAll(handler: EventHandler): () => void {
    this.all.add(handler);
    return () => this.all.delete(handler);
  }

  private deliver(handler: EventHandler, event: EventEnvelope): void {
    try {
      handler(event);
    } catch (error) {
      this.onHandlerError(error, event.type);
    }
  }
}
