import { z } from 'zod';
import { type Actor, scopesAllowWrite } from '../../../core/actor.js';
import { bearerOf } from '../../../core/authorization.js';
import { UnauthenticatedError, ValidationError } from '../../../core/errors.js';
import type { RouteApp } from '../../route-context.js';
import {
  isAlertmanagerAgent,
  type SlackHookResolver,
  type SlackIncomingWebhook,
} from './incoming-webhook.js';
import { parseJsonField, parseSlackMessage } from './render.js';
import { SlackApiError, type SlackWebApi } from './web-api.js';

export interface SlackRouteDeps {
  hook: SlackIncomingWebhook;
  resolveHook: SlackHookResolver;
  webApi: SlackWebApi;
  /** An Opsroom API token → its actor (undefined when unknown, revoked or expired). */
  authenticateToken: (token: string) => Promise<Actor | undefined>;
  /** The incoming webhook's body limit (`alerts.max_body_bytes`, like the other hooks); else the server's. */
  hookBodyLimit?: number;
}

const FORM = 'application/x-www-form-urlencoded';

/** `a=1&payload=%7B…%7D` → `{a: '1', payload: '{…}'}` (the last of repeated keys wins, as in Slack). */
function parseForm(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Slack-compatible ways in (DESIGN C1): the incoming webhook `POST /hooks/slack/:token` and the Web API
 * subset `POST /api/slack/chat.postMessage|chat.update`. Registered in their own Fastify scope so the
 * form-body parser they need (`payload=` bodies, Slack's form-encoded API calls) exists nowhere else.
 */
export function registerSlackRoutes(app: RouteApp, deps: SlackRouteDeps): void {
  void app.register(async (scope: RouteApp) => {
    scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body: string, done) => {
      done(null, parseForm(body));
    });

    scope.post(
      '/hooks/slack/:token',
      {
        config: { public: true },
        ...(deps.hookBodyLimit === undefined ? {} : { bodyLimit: deps.hookBodyLimit }),
        schema: {
          tags: ['alerts'],
          summary: 'Slack-compatible incoming webhook: text, attachments or blocks become a card; replies ok',
          params: z.strictObject({ token: z.string().min(1).max(200) }),
        },
      },
      async (req, reply) => {
        const target = await deps.resolveHook(req.params.token);
        if (!target) throw new UnauthenticatedError('invalid_token: no Slack-compatible hook has this token');
        let body: unknown = req.body;
        if (req.headers['content-type']?.startsWith(FORM)) {
          const payload = isRecord(body) ? body.payload : undefined;
          if (typeof payload !== 'string')
            throw new ValidationError('invalid_payload: a form body must carry payload=<json>');
          body = parseJsonField('payload', payload);
        }
        await deps.hook.receive(target, parseSlackMessage(body), {
          alertmanager: isAlertmanagerAgent(req.headers['user-agent']),
        });
        return reply.type('text/plain; charset=utf-8').send('ok');
      },
    );

    const apiCall =
      (call: (actor: Actor, body: Record<string, unknown>) => Promise<unknown>) =>
      async (req: { headers: Record<string, string | string[] | undefined>; body: unknown }) => {
        const body = isRecord(req.body) ? req.body : {};
        try {
          const header = req.headers.authorization;
          const bearer = typeof header === 'string' ? bearerOf(header) : undefined;
          const token = bearer ?? (typeof body.token === 'string' ? body.token : undefined);
          if (token === undefined) throw new SlackApiError('not_authed');
          const actor = await deps.authenticateToken(token);
          if (!actor) throw new SlackApiError('invalid_auth');
          if (!scopesAllowWrite(actor))
            throw new SlackApiError('missing_scope', 'this token has read scope only');
          return await call(actor, body);
        } catch (error) {
          if (error instanceof SlackApiError)
            return { ok: false, error: error.slackCode, ...(error.detail ? { detail: error.detail } : {}) };
          throw error;
        }
      };

    const summary = (method: string) => ({
      config: { public: true },
      schema: {
        tags: ['alerts'],
        summary: `Slack Web API ${method} (Bearer API token; answers {ok, channel, ts} or {ok:false, error})`,
      },
    });
    scope.post(
      '/api/slack/chat.postMessage',
      summary('chat.postMessage'),
      apiCall((a, b) => deps.webApi.postMessage(a, b)),
    );
    scope.post(
      '/api/slack/chat.update',
      summary('chat.update'),
      apiCall((a, b) => deps.webApi.update(a, b)),
    );
  });
}
