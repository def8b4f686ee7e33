import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Channel, scopesAllowWrite } from '../core/actor.js';
import { bearerOf } from '../core/authorization.js';
import { CodedError, ErrorCode, PermissionDeniedError, UnauthenticatedError } from '../core/errors.js';
import { secretsEqual } from '../core/ids.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../domains/identity/routes.js';
import type { IdentityService } from '../domains/identity/service.js';
import '../domains/route-context.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates a request by API token (Authorization: Bearer …) or session cookie. Cookie-borne
 * writes must echo the session's CSRF token; token-borne writes need the `write` (or `admin`) scope.
 * What else the token's scopes allow is decided where its Actor is built (`IdentityService.actorFor`).
 */
export async function authenticate(
  identity: IdentityService,
  request: FastifyRequest,
  options: { channel?: Channel; queryToken?: string } = {},
): Promise<void> {
  const token = bearerOf(request.headers.authorization) ?? options.queryToken;
  if (token !== undefined) {
    const actor = await identity.authenticateToken(token, options.channel ?? 'api');
    if (!actor) throw new UnauthenticatedError('The API token is unknown, revoked or expired');
    if (!SAFE_METHODS.has(request.method) && !scopesAllowWrite(actor)) {
      throw new PermissionDeniedError('This token has read scope only');
    }
    request.actor = actor;
    return;
  }
  const sessionId = request.cookies[SESSION_COOKIE];
  if (sessionId === undefined) throw new UnauthenticatedError();
  const session = await identity.authenticateSession(sessionId);
  if (!session) throw new UnauthenticatedError('Your session has expired; sign in again');
  if (!SAFE_METHODS.has(request.method) && options.channel === undefined) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !secretsEqual(sent, session.csrfToken)) {
      throw new CodedError(
        ErrorCode.CsrfFailed,
        `Missing or wrong ${CSRF_HEADER} header for a cookie-authenticated write`,
      );
    }
  }
  request.actor = identity.actorFor(session.user, options.channel ?? 'web');
}

/** The onRequest hook: every route is private unless its config says `public: true`. */
export function authHook(identity: IdentityService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (request.routeOptions.config?.public === true) return;
    if (request.routeOptions.url === undefined) return; // 404s are answered as such, not as 401s
    if (!request.url.startsWith('/api/') && !request.url.startsWith('/metrics')) return; // the web app's files
    await authenticate(identity, request);
  };
}
