import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { CodedError, ErrorCode } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { IdentityService } from '../domains/identity/service.js';
import type { RouteApp } from '../domains/route-context.js';
import type { Metrics } from '../runtime/metrics.js';
import { authHook } from './auth.js';
import { sendError } from './error-mapping.js';

export interface HttpServerOptions {
  logger: Logger;
  ids: IdGenerator;
  identity: IdentityService;
  metrics: Metrics;
  bodyLimitBytes: number;
  trustProxy: boolean;
  version: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Fastify with zod validation, strict JSON, cookies, OpenAPI at /api/docs, auth and error mapping. */
export async function createHttpServer(options: HttpServerOptions): Promise<RouteApp> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => options.ids.next('req_'),
    // Per-request lines would drown the log; errors and 5xx are logged with their request id instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider() as unknown as RouteApp;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // JSON must be valid UTF-8: a mangled body is refused, never stored with replacement characters.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      return done(new CodedError(ErrorCode.BadJson, 'The body is not valid UTF-8'), undefined);
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        new CodedError(ErrorCode.BadJson, `The body is not valid JSON: ${(error as Error).message}`),
        undefined,
      );
    }
  });

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Opsroom API',
        version: options.version,
        description: 'Chat, bot, alerts and incidents.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`opsroom token create`)' },
          session: { type: 'apiKey', in: 'cookie', name: 'opsroom_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: ErrorCode.NotFound,
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
      },
    }),
  );
  app.addHook('onRequest', authHook(options.identity));
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    options.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500)
      request.log.warn({ reqId: request.id, status: reply.statusCode, route }, 'server error');
  });
  return app;
}

export type { FastifyInstance };
