import { Readable } from 'node:stream';
import { actorOf, type RouteApp } from '../route-context.js';
import { auditListQuery, auditPageSchema, verifyResultSchema } from './schema.js';
import type { AuditService } from './service.js';

/** Reading the audit log over HTTP; every route is for admins (the service checks). */
export function registerAuditRoutes(app: RouteApp, audit: AuditService): void {
  const tags = ['audit'];

  app.get(
    '/api/audit',
    {
      schema: {
        tags,
        summary: 'Audit records, newest first; filter by actor or action, page with `before` (admin)',
        querystring: auditListQuery,
        response: { 200: auditPageSchema },
      },
    },
    async (req) => audit.list(actorOf(req), req.query),
  );

  app.get(
    '/api/audit/verify',
    {
      schema: {
        tags,
        summary: 'Walk the hash chain: `ok`, or the first bad seq and why (admin)',
        response: { 200: verifyResultSchema },
      },
    },
    async (req) => audit.verify(actorOf(req)),
  );

  app.get(
    '/api/audit/export',
    {
      schema: {
        tags,
        summary: 'Every audit record as JSON Lines, oldest first, hashes included (admin)',
      },
    },
    async (req, reply) => {
      // export() checks permission before returning, so a refusal is a 403 and not a cut-off body.
      const records = audit.export(actorOf(req));
      const lines = async function* () {
        for await (const record of records) yield `${JSON.stringify(record)}\n`;
      };
      return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(lines()));
    },
  );
}
