import type { JobView } from './schema.js';

declare module '../../core/events.js' {
  interface OpsroomEvents {
    'job.queued': { job: JobView };
    'job.started': { job: JobView };
    'job.finished': { job: JobView };
  }
}
