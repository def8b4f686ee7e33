/**
 * HTTP: the deploy history for the API and CLI, and the signed status callback of the webhook provider.
 * The callback is public (the deploy service has no Opsroom account) and trusted only through its
 * HMAC signature, checked in constant time over the raw body; stale and replayed deliveries are refused.
 * A bad signature is a 401 and changes nothing.
 */
import { z } from 'zod';
import { CodedError, ErrorCode } from '../../core/errors.js';
import { actorOf, type RouteApp } from '../route-context.js';
import { deployCallbackBody, deployListQuery, deployLockViewSchema, deployViewSchema } from './schema.js';
import type { DeployService } from './service.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.js';

export interface CallbackHandler {
  /** Verifies and applies a callback; throws a coded error (401, 404, 409, 400) when it must not apply. */
  handle(
    deployId: number,
    rawBody: string,
    headers: { signature?: string; timestamp?: string },
  ): Promise<void>;
}

export function registerDeployRoutes(
  app: RouteApp,
  service: DeployService,
  callbacks: CallbackHandler,
): void {
  const tags = ['deploys'];
  app.get(
    '/api/deploys',
    {
      schema: {
        tags,
        summary: 'Deploy history, newest first (filter by app and environment)',
        querystring: deployListQuery,
        response: { 200: z.object({ deploys: z.array(deployViewSchema) }) },
      },
    },
    async (req) => {
      actorOf(req);
      const rows = await service.store.history(
        {
          ...(req.query.app ? { app: req.query.app } : {}),
          ...(req.query.environment ? { environment: req.query.environment } : {}),
        },
        req.query.limit,
      );
      return { deploys: rows.map((r) => ({ ...service.view(r) })) };
    },
  );
  app.get(
    '/api/deploys/locks',
    {
      schema: {
        tags,
        summary: 'Locked environments',
        response: { 200: z.object({ locks: z.array(deployLockViewSchema) }) },
      },
    },
    async (req) => {
      actorOf(req);
      return { locks: await service.locks() };
    },
  );
  app.get(
    '/api/deploys/:id',
    {
      schema: {
        tags,
        summary: 'One deploy',
        params: z.strictObject({ id: z.coerce.number().int().positive() }),
        response: { 200: deployViewSchema },
      },
    },
    async (req) => {
      actorOf(req);
      return await service.get(req.params.id);
    },
  );

  // The raw body is what was signed: this scope reads JSON as text and parses it after verifying.
  void app.register(async (instance) => {
    const scope = instance as unknown as RouteApp;
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post(
      '/hooks/deploys/:id',
      {
        config: { public: true },
        schema: {
          tags,
          summary:
            'Status callback of the webhook provider (HMAC-SHA256 signed: X-Opsroom-Signature, X-Opsroom-Timestamp)',
          params: z.strictObject({ id: z.coerce.number().int().positive() }),
          response: { 200: z.object({ ok: z.literal(true) }) },
        },
      },
      async (req) => {
        const header = (name: string) => {
          const value = req.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        const raw = typeof req.body === 'string' ? req.body : '';
        const signature = header(SIGNATURE_HEADER);
        const timestamp = header(TIMESTAMP_HEADER);
        await callbacks.handle(req.params.id, raw, {
          ...(signature === undefined ? {} : { signature }),
          ...(timestamp === undefined ? {} : { timestamp }),
        });
        return { ok: true as const };
      },
    );
  });
}

/** Parses a verified callback body; a malformed one is a 400. */
export function parseCallback(raw: string) {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new CodedError(ErrorCode.BadJson, 'The body is not valid JSON');
  }
  const parsed = deployCallbackBody.safeParse(json);
  if (!parsed.success) {
    throw new CodedError(
      ErrorCode.Validation,
      `Bad status callback: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
