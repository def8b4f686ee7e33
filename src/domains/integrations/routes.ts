import { z } from 'zod';
import { actorOf, type RouteApp } from '../route-context.js';
import {
  createdIntegrationSchema,
  createIntegrationBody,
  type Integration,
  integrationViewSchema,
} from './schema.js';
import type { IntegrationService } from './service.js';

const strip = <T extends { secretName: string | null }>({ secretName: _, ...view }: T) => view;

/** Admin API for integrations; the hooks themselves are in domains/alerts/routes-hooks.ts. */
export function registerIntegrationRoutes(app: RouteApp, integrations: IntegrationService): void {
  const tags = ['integrations'];
  app.post(
    '/api/integrations',
    {
      schema: {
        tags,
        summary: 'Create an integration (admin); the answer holds its URL with the token, shown once',
        body: createIntegrationBody,
        response: { 201: createdIntegrationSchema },
      },
    },
    async (req, reply) => {
      const created = await integrations.create(actorOf(req), req.body);
      return reply.code(201).send({ ...created, integration: strip(created.integration as Integration) });
    },
  );
  app.get(
    '/api/integrations',
    {
      schema: {
        tags,
        summary: 'Integrations, revoked ones included (admin)',
        response: { 200: z.object({ integrations: z.array(integrationViewSchema) }) },
      },
    },
    async (req) => ({ integrations: (await integrations.list(actorOf(req))).map(strip) }),
  );
  app.delete(
    '/api/integrations/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an integration (admin): its token or secret stops working at once',
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        response: { 200: integrationViewSchema },
      },
    },
    async (req) => strip(await integrations.revoke(actorOf(req), req.params.id)),
  );
}
