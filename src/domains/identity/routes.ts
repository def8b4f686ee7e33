import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { actorOf, type RouteApp } from '../route-context.js';
import type { Bootstrap } from './bootstrap.js';
import type { LoginThrottle } from './login-throttle.js';
import {
  createdTokenSchema,
  createTokenBody,
  createUserBody,
  loginBody,
  sessionViewSchema,
  setRolesBody,
  setupBody,
  tokenViewSchema,
  userViewSchema,
} from './schema.js';
import type { IdentityService, Session } from './service.js';
import { toUserView } from './store.js';

export const SESSION_COOKIE = 'opsroom_session';
export const CSRF_COOKIE = 'opsroom_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface IdentityRouteDeps {
  identity: IdentityService;
  bootstrap: Bootstrap;
  throttle: LoginThrottle;
  cookieSecure: boolean;
}

function setSessionCookies(reply: FastifyReply, session: Session, secure: boolean): void {
  const expires = new Date(session.expiresAt);
  reply.setCookie(SESSION_COOKIE, session.sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    expires,
  });
  // Readable by the page so it can echo it in the X-CSRF-Token header (double submit).
  reply.setCookie(CSRF_COOKIE, session.csrfToken, {
    path: '/',
    httpOnly: false,
    sameSite: 'lax',
    secure,
    expires,
  });
}

export function registerIdentityRoutes(app: RouteApp, deps: IdentityRouteDeps): void {
  const { identity, bootstrap, throttle } = deps;
  const tags = ['identity'];
  const username = z.strictObject({ username: z.string().min(1).max(64) });

  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Sign in with a password (rate-limited)',
        body: loginBody,
        response: { 200: sessionViewSchema },
      },
    },
    async (req, reply) => {
      throttle.hit([`ip:${req.ip}`, `user:${req.body.username.toLowerCase()}`]);
      const session = await identity.login(req.body.username, req.body.password);
      setSessionCookies(reply, session, deps.cookieSecure);
      return { user: session.user, csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { public: true }, schema: { tags, summary: 'Sign out' } },
    async (req, reply) => {
      const sessionId = req.cookies[SESSION_COOKIE];
      if (sessionId) await identity.logout(sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' }).code(204);
    },
  );

  app.get(
    '/api/setup',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Is first-run setup pending?',
        response: { 200: z.object({ pending: z.boolean() }) },
      },
    },
    async () => ({
      pending: await bootstrap.pending(),
    }),
  );

  app.post(
    '/api/setup',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'First run: set the admin password with the printed setup token',
        body: setupBody,
        response: { 200: sessionViewSchema },
      },
    },
    async (req, reply) => {
      throttle.hit([`ip:${req.ip}`, 'setup']);
      const session = await bootstrap.complete(req.body.token, req.body.password);
      setSessionCookies(reply, session, deps.cookieSecure);
      return { user: session.user, csrfToken: session.csrfToken };
    },
  );

  app.get(
    '/api/me',
    {
      schema: {
        tags,
        summary: 'Who am I',
        response: { 200: userViewSchema.extend({ scopes: z.array(z.string()).nullable() }) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return { ...toUserView(await identity.requireUser(actor.username)), scopes: actor.scopes ?? null };
    },
  );

  app.get(
    '/api/users',
    {
      schema: { tags, summary: 'All users', response: { 200: z.object({ users: z.array(userViewSchema) }) } },
    },
    async () => ({
      users: await identity.listUsers(),
    }),
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags,
        summary: 'Add a user (admin)',
        body: createUserBody,
        response: { 201: userViewSchema },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return identity.createUser(actorOf(req), req.body);
    },
  );

  app.put(
    '/api/users/:username/roles',
    {
      schema: {
        tags,
        summary: "Set a user's roles (admin)",
        params: username,
        body: setRolesBody,
        response: { 200: userViewSchema },
      },
    },
    async (req) => identity.setRoles(actorOf(req), req.params.username, req.body.roles),
  );

  app.get(
    '/api/tokens',
    {
      schema: {
        tags,
        summary: 'Your API tokens (admins: ?all=true for everyone’s)',
        querystring: z.strictObject({ all: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.object({ tokens: z.array(tokenViewSchema) }) },
      },
    },
    async (req) => ({ tokens: await identity.listTokens(actorOf(req), req.query.all === 'true') }),
  );

  app.post(
    '/api/tokens',
    {
      schema: {
        tags,
        summary: 'Create an API token; the secret is in the answer and never again',
        body: createTokenBody,
        response: { 201: createdTokenSchema },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return identity.createToken(actorOf(req), req.body);
    },
  );

  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a token',
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        response: { 200: tokenViewSchema },
      },
    },
    async (req) => identity.revokeToken(actorOf(req), req.params.id),
  );
}
