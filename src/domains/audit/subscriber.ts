import type { EventEnvelope, EventType, OpsroomEvents } from '../../core/events.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { JsonValue } from './canonical-json.js';
import '../identity/events.js';
import type { AuditEntry } from './schema.js';
import type { AuditService } from './service.js';

/** The identity events that change who may do what: each becomes one audit record. */
export const AUDITED_IDENTITY_EVENTS = [
  'user.created',
  'user.roles_changed',
  'user.password_set',
  'token.created',
  'token.revoked',
] as const satisfies readonly EventType[];

type AuditedEvent = (typeof AUDITED_IDENTITY_EVENTS)[number];

export interface AuditSubscriberDeps {
  bus: EventBus;
  audit: AuditService;
  /**
   * The id of the user an event names in `by` (the events carry only the username); undefined when
   * there is no such user, as for `system`.
   */
  userIdOf: (username: string) => Promise<string | undefined>;
}

/**
 * Turns bus events into audit records. Bus handlers are synchronous and must not throw into the
 * publisher, so each event goes on AuditService's queue: records keep publish order, and a failed
 * write is reported (AuditDeps.onError) without stopping the ones after it.
 */
export class AuditSubscriber {
  private readonly unsubscribes: (() => void)[] = [];

  constructor(private readonly deps: AuditSubscriberDeps) {}

  start(): this {
    for (const type of AUDITED_IDENTITY_EVENTS) {
      this.unsubscribes.push(
        this.deps.bus.subscribe(type, (event) => this.deps.audit.enqueue(() => this.entryFor(event), type)),
      );
    }
    return this;
  }

  /** Resolves once every record queued so far is written or reported. */
  drain(): Promise<void> {
    return this.deps.audit.drain();
  }

  /** Stops listening, then waits for what is queued: for shutdown, before the database closes. */
  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    await this.drain();
  }

  private async entryFor(event: EventEnvelope<AuditedEvent>): Promise<AuditEntry> {
    const { by, ...rest } = event.payload as OpsroomEvents[AuditedEvent];
    const detail: { [key: string]: JsonValue } = { ...rest, eventAt: event.at };
    return {
      actor: by,
      actorId: (await this.deps.userIdOf(by)) ?? by,
      // The identity events do not say which way the change came in.
      channel: 'system',
      action: event.type,
      decision: 'allowed',
      outcome: 'succeeded',
      detail,
    };
  }
}
