import { z } from 'zod';
import { isAdmin } from '../../core/actor.js';
import { PermissionDeniedError } from '../../core/errors.js';
import { actorOf, type RouteApp } from '../route-context.js';
import { secretParams, secretViewSchema, setSecretBody } from './schema.js';
import type { SecretService } from './service.js';

/** Admin-only HTTP API. No route ever returns a value: a secret goes in and stays in. */
export function registerSecretRoutes(app: RouteApp, secrets: SecretService): void {
  const tags = ['secrets'];

  app.get(
    '/api/secrets',
    {
      schema: {
        tags,
        summary: 'Secret names and when they changed (admin); never values',
        response: { 200: z.object({ secrets: z.array(secretViewSchema) }) },
      },
    },
    async (req) => ({ secrets: await secrets.list(actorOf(req)) }),
  );

  app.put(
    '/api/secrets/:name',
    {
      // Checked before the body is parsed, so a non-admin's value is never even validated.
      preValidation: async (req) => {
        if (!isAdmin(actorOf(req))) throw new PermissionDeniedError('Only admins can set secrets');
      },
      schema: {
        tags,
        summary: 'Create or replace a secret (admin); stored encrypted, referenced as {{ secret.NAME }}',
        params: secretParams,
        body: setSecretBody,
      },
    },
    async (req, reply) => {
      await secrets.set(actorOf(req), req.params.name, req.body.value);
      reply.code(204);
    },
  );

  app.delete(
    '/api/secrets/:name',
    {
      schema: { tags, summary: 'Remove a secret (admin)', params: secretParams },
    },
    async (req, reply) => {
      await secrets.remove(actorOf(req), req.params.name);
      reply.code(204);
    },
  );
}
