/**
 * Listeners on the typed event bus (`message.pinned`, `secret.set`, …). Handlers run in the
 * background; a failure is logged, never thrown into the publisher. An event that belongs to a room
 * stream (it has `roomId` and `seq`) is claimed per listener, so a bus that delivers it to several
 * nodes (or twice) still runs each listener once.
 */
import { ConflictError } from '../../../core/errors.js';
import type { EventEnvelope, EventType, OpsroomEvents } from '../../../core/events.js';
import type { EventBus } from '../../../runtime/event-bus.js';
import type { Claim } from './claims.js';
import type { InFlight } from './in-flight.js';

export type EventListenerHandler<K extends EventType = EventType> = (
  payload: OpsroomEvents[K],
  event: EventEnvelope<K>,
) => void | Promise<void>;

export interface EventListenerOptions {
  /** Stable id for the exactly-once claim; default `on:<event>:<n>`. Must be unique. */
  id?: string;
}

function streamPosition(payload: unknown): { roomId: string; seq: number } | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { roomId, seq } = payload as { roomId?: unknown; seq?: unknown };
  return typeof roomId === 'string' && typeof seq === 'number' ? { roomId, seq } : undefined;
}

export class EventListeners {
  /** Listener id → its unsubscribe function. */
  private readonly active = new Map<string, () => void>();
  private counter = 0;

  constructor(
    private readonly deps: {
      bus: EventBus;
      claim: Claim;
      inFlight: InFlight;
      onError: (error: unknown, context: Record<string, unknown>) => void;
    },
  ) {}

  /** Runs `handler` for every `type` event; returns the function that stops it. */
  on<K extends EventType>(
    type: K,
    handler: EventListenerHandler<K>,
    options: EventListenerOptions = {},
  ): () => void {
    const id = options.id ?? `on:${type}:${++this.counter}`;
    if (this.active.has(id)) throw new ConflictError(`event listener '${id}' already exists`);
    const unsubscribe = this.deps.bus.subscribe(type, (event) => {
      this.deps.inFlight.track(this.run(id, handler, event), (error) =>
        this.deps.onError(error, { listener: id, event: type }),
      );
    });
    this.active.set(id, unsubscribe);
    return () => {
      unsubscribe();
      if (this.active.get(id) === unsubscribe) this.active.delete(id);
    };
  }

  /** Stops every listener. */
  stop(): void {
    for (const unsubscribe of this.active.values()) unsubscribe();
    this.active.clear();
  }

  get size(): number {
    return this.active.size;
  }

  private async run<K extends EventType>(
    id: string,
    handler: EventListenerHandler<K>,
    event: EventEnvelope<K>,
  ): Promise<void> {
    const position = streamPosition(event.payload);
    if (position && !(await this.deps.claim(`event:${id}:${position.roomId}:${position.seq}`))) return;
    await handler(event.payload, event);
  }
}
