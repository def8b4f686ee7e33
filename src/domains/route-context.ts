import type {} from '@fastify/cookie';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Actor } from '../core/actor.js';
import { UnauthenticatedError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook in http/auth.ts; absent on public routes. */
    actor?: Actor;
  }
  interface FastifyContextConfig {
    /** The route needs no authentication (health checks, login, first-run setup). */
    public?: boolean;
  }
}

/** The Fastify instance domain routes receive: zod schemas type the handlers and feed OpenAPI. */
export type RouteApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthenticatedError();
  return request.actor;
}

/** The standard error body, for OpenAPI. */
export const errorResponseDescription = 'An error: `{ error: { code, message, issues?, errorId? } }`';
