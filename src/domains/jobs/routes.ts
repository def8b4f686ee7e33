import { z } from 'zod';
import { actorOf, type RouteApp } from '../route-context.js';
import { jobListQuery, jobViewSchema, jobWithOutputSchema } from './schema.js';
import type { JobService } from './service.js';

const idParams = z.strictObject({ id: z.coerce.number().int().positive() });

export function registerJobRoutes(app: RouteApp, jobs: JobService): void {
  const tags = ['jobs'];
  app.get(
    '/api/jobs',
    {
      schema: {
        tags,
        summary: 'Jobs, newest first: your own, or everyone’s with jobs:read',
        querystring: jobListQuery,
        response: { 200: z.object({ jobs: z.array(jobViewSchema) }) },
      },
    },
    async (req) => ({ jobs: await jobs.list(actorOf(req), req.query) }),
  );
  app.get(
    '/api/jobs/:id',
    {
      schema: {
        tags,
        summary: 'One job with its full log (secrets redacted)',
        params: idParams,
        response: { 200: jobWithOutputSchema },
      },
    },
    async (req) => jobs.get(actorOf(req), req.params.id),
  );
  app.post(
    '/api/jobs/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a queued or running job (a script’s whole process group is stopped)',
        params: idParams,
        response: { 200: jobWithOutputSchema },
      },
    },
    async (req) => jobs.cancel(actorOf(req), req.params.id),
  );
}
