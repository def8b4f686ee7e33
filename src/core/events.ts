/**
 * The typed event catalogue. Each domain adds its events to `OpsroomEvents` by declaration merging
 * (see domains/chat/events.ts), so the bus stays generic and every payload stays typed.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each domain through declaration merging
export interface OpsroomEvents {}

export type EventType = keyof OpsroomEvents & string;

export interface EventEnvelope<K extends EventType = EventType> {
  type: K;
  at: string;
  payload: OpsroomEvents[K];
}

/** An event that belongs to a room's ordered stream: replayable by (roomId, seq). */
export interface RoomScoped {
  roomId: string;
  seq: number;
}
