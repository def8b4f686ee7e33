import { z } from 'zod';
import type { RouteApp } from '../domains/route-context.js';
import type { Metrics } from '../runtime/metrics.js';

export interface OpsProbe {
  /** Resolves when the database answers; rejects otherwise. */
  checkDatabase(): Promise<void>;
  isDraining(): boolean;
}

/** Health, readiness and metrics: what load balancers and Prometheus ask. */
export function registerOpsRoutes(app: RouteApp, probe: OpsProbe, metrics: Metrics, version: string): void {
  const tags = ['operations'];
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Liveness',
        response: { 200: z.object({ status: z.literal('ok'), version: z.string() }) },
      },
    },
    async () => ({
      status: 'ok' as const,
      version,
    }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: { tags, summary: 'Readiness: the database answers and the server is not draining' },
    },
    async (_req, reply) => {
      if (probe.isDraining()) return reply.code(503).send({ status: 'draining' });
      try {
        await probe.checkDatabase();
      } catch (error) {
        return reply.code(503).send({ status: 'database unavailable', detail: (error as Error).message });
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    { schema: { tags, summary: 'Prometheus metrics (needs a token)' } },
    async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
