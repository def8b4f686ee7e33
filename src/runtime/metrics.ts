import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { batchedCounter } from './batched-counter.js';
import type { EventBus } from './event-bus.js';

/** Prometheus metrics for the whole process; served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'opsroom_http_requests_total',
    help: 'HTTP requests',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'opsroom_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'opsroom_events_total',
    help: 'Domain events published, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: 'opsroom_ws_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly wsFramesSent = new Counter({
    name: 'opsroom_ws_frames_sent_total',
    help: 'WebSocket frames sent to clients',
    registers: [this.registry],
  });

  readonly commands = new Counter({
    name: 'opsroom_bot_commands_total',
    help: 'Bot command lines that parsed, by command and decision (allowed, denied, proposed, …)',
    labelNames: ['command', 'decision'],
    registers: [this.registry],
  });
  readonly jobsFinished = new Counter({
    name: 'opsroom_jobs_finished_total',
    help: 'Jobs that ended, by command and status',
    labelNames: ['command', 'status'],
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'opsroom_job_duration_seconds',
    help: 'How long jobs ran, by command',
    labelNames: ['command'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults !== false) collectDefaultMetrics({ register: this.registry, prefix: 'opsroom_' });
  }

  /**
   * How often a thread sharing the SQLite write lock found its holder stuck past the timeout and moved
   * it on (storage/write-lock.ts): should stay 0; anything else means a writer hung or died holding it.
   */
  observeWriteLockSteals(read: () => number): void {
    new Gauge({
      name: 'opsroom_sqlite_write_lock_steals',
      help: 'Times the SQLite write lock was taken from a holder that kept it past the timeout (all threads)',
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** Counts every domain event (messages posted, users created, …) by type, batched per turn. */
  observe(bus: EventBus): () => void {
    const count = batchedCounter(this.events, 'type');
    return bus.subscribeAll((event) => count(event.type));
  }
}
