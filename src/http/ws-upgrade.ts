import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Actor } from '../core/actor.js';
import { bearerOf } from '../core/authorization.js';
import {
  CodedError,
  ErrorCode,
  httpStatusOf,
  PermissionDeniedError,
  UnauthenticatedError,
} from '../core/errors.js';
import { SESSION_COOKIE } from '../domains/identity/routes.js';
import type { IdentityService } from '../domains/identity/service.js';

/** What a connection authenticated with; kept so the heartbeat can check it is still valid. */
export type UpgradeCredential = { kind: 'token'; token: string } | { kind: 'session'; sessionId: string };

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Picks the credential of an upgrade request: `Authorization: Bearer`, then `?token=` (browsers cannot
 * set headers on a WebSocket), then the session cookie. A cookie is sent by the browser on any site's
 * behalf, so it counts only when the Origin is this server (cross-site WebSocket hijacking).
 */
export function credentialOf(request: IncomingMessage, url: URL): UpgradeCredential {
  const bearer = bearerOf(request.headers.authorization);
  const token = bearer ?? url.searchParams.get('token') ?? undefined;
  if (token !== undefined && token !== '') return { kind: 'token', token };
  const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
  if (sessionId === undefined) throw new UnauthenticatedError();
  const origin = request.headers.origin;
  let originHost: string | undefined;
  try {
    originHost = origin === undefined ? undefined : new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (originHost === undefined || originHost !== request.headers.host) {
    throw new PermissionDeniedError(
      'A cookie-authenticated WebSocket must come from this server’s own pages (Origin does not match Host)',
    );
  }
  return { kind: 'session', sessionId };
}

/** The actor a credential stands for now, or undefined once it is revoked, expired or disabled. */
export async function actorFor(
  identity: IdentityService,
  credential: UpgradeCredential,
): Promise<Actor | undefined> {
  if (credential.kind === 'token') return identity.authenticateToken(credential.token, 'api');
  const session = await identity.authenticateSession(credential.sessionId);
  return session ? identity.actorFor(session.user, 'web') : undefined;
}

export async function authenticateUpgrade(
  identity: IdentityService,
  request: IncomingMessage,
  url: URL,
): Promise<{ actor: Actor; credential: UpgradeCredential }> {
  const credential = credentialOf(request, url);
  const actor = await actorFor(identity, credential);
  if (!actor) {
    throw new UnauthenticatedError(
      credential.kind === 'token'
        ? 'The API token is unknown, revoked or expired'
        : 'Your session has expired; sign in again',
    );
  }
  return { actor, credential };
}

/** Answers an upgrade with a plain HTTP error (the standard JSON error body) and closes the socket. */
export function rejectUpgrade(socket: Duplex, error: CodedError, errorId?: string): void {
  if (socket.destroyed) return;
  const status = httpStatusOf[error.code];
  const body = JSON.stringify({
    error: { code: error.code, message: error.message, ...(errorId === undefined ? {} : { errorId }) },
  });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

export function notFound(path: string): CodedError {
  return new CodedError(ErrorCode.NotFound, `No WebSocket endpoint at ${path}; use /api/ws`);
}
