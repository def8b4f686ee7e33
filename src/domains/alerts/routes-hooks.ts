import { z } from 'zod';
import { bearerOf } from '../../core/authorization.js';
import { CodedError, ErrorCode, ValidationError } from '../../core/errors.js';
import type { IntegrationKind } from '../integrations/schema.js';
import type { IntegrationService } from '../integrations/service.js';
import type { RouteApp } from '../route-context.js';
import type { GithubHook } from './github.js';
import type { Heartbeats } from './heartbeats.js';
import type { Ingestion } from './ingestion-port.js';

export { parseJsonBody } from './prepare-delivery.js';

export interface HookDeps {
  integrations: IntegrationService;
  ingestion: Ingestion;
  github: GithubHook;
  heartbeats: Heartbeats;
  maxBodyBytes: number;
}

const ingestResponse = z.object({
  ok: z.literal(true),
  received: z.number().int(),
  created: z.number().int(),
  resolved: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  groups: z.array(z.number().int()),
});

/**
 * The public ways in for alerts. They live in their own Fastify scope with a raw-body parser for any
 * content type: GitHub's HMAC is over the exact bytes, and senders are not always careful with
 * Content-Type. Each is authenticated by its URL token or signature before anything is stored, and
 * answers only after the delivery's transaction committed.
 */
export async function registerHookRoutes(app: RouteApp, deps: HookDeps): Promise<void> {
  await app.register(async (plain) => {
    const scope = plain as unknown as RouteApp;
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const options = { config: { public: true }, bodyLimit: deps.maxBodyBytes };
    const tags = ['hooks'];

    for (const kind of ['alertmanager', 'grafana', 'generic'] as const) {
      const ingest = async (
        token: string,
        req: { body: unknown; socket: { remoteAddress?: string | undefined } },
      ) => {
        const integration = await deps.integrations.authenticate(kind as IntegrationKind, token);
        const body = req.body;
        if (!Buffer.isBuffer(body) || body.length === 0)
          throw new CodedError(ErrorCode.BadJson, 'The body is empty: send JSON');
        const from = { address: req.socket.remoteAddress };
        return { ok: true as const, ...(await deps.ingestion.ingestBody(kind, integration, body, from)) };
      };
      scope.post(
        `/hooks/${kind}/:token`,
        {
          ...options,
          schema: {
            tags,
            summary: `Alerts from ${kind} (the URL's token authenticates)`,
            params: z.strictObject({ token: z.string().min(1).max(200) }),
            response: { 200: ingestResponse },
          },
        },
        (req) => ingest(req.params.token, req),
      );
      // The token in a header keeps it out of URLs that proxies and senders log: Alertmanager's
      // `http_config.authorization` or `basic_auth`, Grafana's contact point Authorization header.
      scope.post(
        `/hooks/${kind}`,
        {
          ...options,
          schema: {
            tags,
            summary: `Alerts from ${kind} (Authorization: Bearer <token>, or Basic with the token as password)`,
            response: { 200: ingestResponse },
          },
        },
        (req) => ingest(tokenOfAuthorization(req.headers.authorization, `/hooks/${kind}`), req),
      );
    }

    scope.post(
      '/hooks/github/:id',
      {
        ...options,
        schema: {
          tags,
          summary:
            'GitHub webhook deliveries (X-Hub-Signature-256 authenticates; replays and stale ones refused)',
          params: z.strictObject({ id: z.string().min(1).max(64) }),
        },
      },
      async (req) => {
        const header = (name: string) => {
          const value = req.headers[name];
          return typeof value === 'string' ? value : '';
        };
        if (!Buffer.isBuffer(req.body)) throw new ValidationError('The body is empty');
        return deps.github.receive(req.params.id, {
          event: header('x-github-event'),
          deliveryId: header('x-github-delivery'),
          signature: header('x-hub-signature-256'),
          body: req.body,
          contentType: header('content-type'),
        });
      },
    );

    const beat = async (params: { name: string; token: string }) => {
      const integration = await deps.integrations.authenticate('heartbeat', params.token);
      if (integration.name !== params.name) {
        throw new CodedError(ErrorCode.Unauthenticated, 'Unknown or revoked integration token');
      }
      return { ok: true as const, ...(await deps.heartbeats.beat(integration)) };
    };
    const heartbeatSchema = {
      tags,
      summary: "A heartbeat: the dead-man's switch alerts when beats stop for its interval",
      params: z.strictObject({ name: z.string().min(1).max(64), token: z.string().min(1).max(200) }),
      response: { 200: z.object({ ok: z.literal(true), nextDeadline: z.string() }) },
    };
    scope.post('/hooks/heartbeat/:name/:token', { ...options, schema: heartbeatSchema }, (req) =>
      beat(req.params),
    );
    scope.get('/hooks/heartbeat/:name/:token', { config: { public: true }, schema: heartbeatSchema }, (req) =>
      beat(req.params),
    );
  });
}

/**
 * The integration token an Authorization header carries: `Bearer <token>`, or `Basic` with the token
 * as the password (any user name). Refused with a hint when there is none.
 */
export function tokenOfAuthorization(header: string | undefined, path: string): string {
  const bearer = bearerOf(header);
  if (bearer !== undefined) return bearer;
  const basic = /^Basic\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return decoded.slice(colon + 1);
  }
  throw new CodedError(
    ErrorCode.Unauthenticated,
    `Send the integration token in the URL (${path}/<token>) or as Authorization: Bearer <token>`,
  );
}
