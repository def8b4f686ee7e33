// Names only: an event goes to every subscriber (metrics, audit, other nodes), never a value.
declare module '../../core/events.js' {
  interface OpsroomEvents {
    'secret.set': { name: string; created: boolean; by: string };
    'secret.removed': { name: string; by: string };
  }
}

export {};
