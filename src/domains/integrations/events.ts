// Ids and kinds only: tokens and secrets never travel on the bus.
declare module '../../core/events.js' {
  interface OpsroomEvents {
    'integration.created': { id: string; kind: string; name: string; roomId: string | null; by: string };
    'integration.revoked': { id: string; kind: string; name: string; by: string };
  }
}

export {};
