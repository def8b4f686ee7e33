import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { parseDuration } from '../bot/duration.js';
import { cardSchema } from '../chat/schema.js';
import { actorOf, type RouteApp } from '../route-context.js';
import { parseMatchers } from './matchers.js';
import {
  alertListQuery,
  createSilenceBody,
  groupViewSchema,
  noiseRowSchema,
  silenceViewSchema,
} from './schema.js';
import type { AlertService } from './service.js';

export interface AlertRouteDeps {
  service: AlertService;
  noise: (sinceMs: number) => Promise<import('./schema.js').NoiseRow[]>;
  dryRun: (json: string) => Promise<{ text: string; card?: import('../chat/schema.js').Card }>;
}

const idParams = z.strictObject({ id: z.coerce.number().int().positive() });

/** `/api/alerts` and `/api/silences`: the same service as the bot commands. */
export function registerAlertRoutes(app: RouteApp, deps: AlertRouteDeps): void {
  const { service } = deps;
  const tags = ['alerts'];
  app.get(
    '/api/alerts',
    {
      schema: {
        tags,
        summary:
          'Alert groups, newest first (status=open by default; filters severity, alertname, room, integration)',
        querystring: alertListQuery,
        response: { 200: z.object({ groups: z.array(groupViewSchema) }) },
      },
    },
    async (req) => ({ groups: await service.list(actorOf(req), req.query) }),
  );
  app.get(
    '/api/alerts/noise',
    {
      schema: {
        tags,
        summary: 'The noise report per alert name (since=7d)',
        querystring: z.strictObject({ since: z.string().max(20).default('7d') }),
        response: { 200: z.object({ rows: z.array(noiseRowSchema) }) },
      },
    },
    async (req) => {
      service.require(actorOf(req), 'alerts:read');
      const since = parseDuration(req.query.since);
      if (!since.ok) throw new ValidationError(`since ${since.reason}`);
      return { rows: await deps.noise(since.ms) };
    },
  );
  app.post(
    '/api/alerts/test',
    {
      schema: {
        tags,
        summary: 'Dry run: route, group, inhibition, silences and the card for a payload; nothing is stored',
        body: z.strictObject({ payload: z.string().min(1).max(1_000_000) }),
        response: { 200: z.object({ text: z.string(), card: cardSchema.optional() }) },
      },
    },
    async (req) => {
      service.require(actorOf(req), 'alerts:read');
      return deps.dryRun(req.body.payload);
    },
  );
  app.get(
    '/api/alerts/:id',
    {
      schema: {
        tags,
        summary: 'One alert group with its alerts',
        params: idParams,
        response: { 200: groupViewSchema },
      },
    },
    async (req) => service.get(actorOf(req), req.params.id),
  );
  for (const verb of ['ack', 'mute', 'resolve'] as const) {
    app.post(
      `/api/alerts/:id/${verb}`,
      {
        schema: {
          tags,
          summary: `${verb} an alert group`,
          params: idParams,
          response: { 200: groupViewSchema },
        },
      },
      async (req) => service[verb](actorOf(req), req.params.id),
    );
  }
  app.get(
    '/api/silences',
    {
      schema: {
        tags,
        summary: 'Silences (active ones, or all=true)',
        querystring: z.strictObject({ all: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.object({ silences: z.array(silenceViewSchema) }) },
      },
    },
    async (req) => ({ silences: await service.silences(actorOf(req), req.query.all === 'true') }),
  );
  app.post(
    '/api/silences',
    {
      schema: {
        tags,
        summary: 'Create a silence: matchers as Alertmanager writes them, a duration and a reason',
        body: createSilenceBody,
        response: { 201: silenceViewSchema },
      },
    },
    async (req, reply) => {
      const silence = await service.silence(actorOf(req), {
        matchers: parseMatchers(req.body.matchers),
        durationMs: req.body.durationSeconds * 1000,
        reason: req.body.reason,
      });
      return reply.code(201).send(silence);
    },
  );
  app.delete(
    '/api/silences/:id',
    {
      schema: { tags, summary: 'End a silence now', params: idParams, response: { 200: silenceViewSchema } },
    },
    async (req) => service.unsilence(actorOf(req), req.params.id),
  );
}
