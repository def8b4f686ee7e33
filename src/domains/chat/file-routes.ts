import { Readable } from 'node:stream';
import { z } from 'zod';
import { CodedError, ErrorCode } from '../../core/errors.js';
import { actorOf, type RouteApp } from '../route-context.js';
import { attachmentDisposition } from './file-name.js';
import {
  fileParams,
  fileViewSchema,
  readMarkerBody,
  roomUnreadSchema,
  unreadsResponseSchema,
  uploadFileQuery,
} from './file-schema.js';
import type { ChatDomain } from './index.js';
import { registerPinRoutes } from './pins.js';
import { messageViewSchema } from './schema.js';

const roomParams = z.strictObject({ room: z.string().min(1).max(100) });

/** Attachments (upload, download), read markers (mark read, unread counts) and a room's pins. */
export function registerFileAndReadRoutes(app: RouteApp, chat: ChatDomain): void {
  const tags = ['chat'];
  registerPinRoutes(app, chat.pins);

  // The upload route takes any body as a raw stream; its own scope keeps that parser away from the
  // JSON routes (a `.json` file is uploaded as bytes, not parsed).
  app.register(async (scope: RouteApp) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post(
      '/api/rooms/:room/files',
      {
        schema: {
          tags,
          summary:
            'Upload a file: the raw bytes as the body, ?name=<file name>; posts a message with it attached',
          params: roomParams,
          querystring: uploadFileQuery,
          response: { 201: messageViewSchema.extend({ seq: z.number().int() }) },
        },
      },
      async (req, reply) => {
        const length = Number(req.headers['content-length']);
        const body = (req.body as Readable | undefined) ?? Readable.from([]); // no body: an empty file
        const message = await chat.files
          .upload(
            actorOf(req),
            req.params.room,
            req.query,
            body,
            req.headers['content-type'],
            Number.isFinite(length) ? length : undefined,
          )
          .catch((error: unknown) => {
            // The refused body may still be arriving: answer, then close rather than read it all.
            if (error instanceof CodedError && error.code === ErrorCode.PayloadTooLarge)
              reply.header('connection', 'close');
            throw error;
          });
        reply.code(201);
        return message;
      },
    );
  });

  app.get(
    '/api/files/:id',
    { schema: { tags, summary: 'Download a file (always as an attachment)', params: fileParams } },
    async (req, reply) => {
      const { file, servedType, body } = await chat.files.download(actorOf(req), req.params.id);
      return reply
        .type(servedType)
        .header('content-length', String(file.size))
        .header('content-disposition', attachmentDisposition(file.name))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=86400, immutable')
        .send(body);
    },
  );

  app.get(
    '/api/files/:id/meta',
    {
      schema: {
        tags,
        summary: "A file's name, size, type, room and message",
        params: fileParams,
        response: { 200: fileViewSchema },
      },
    },
    async (req) => chat.files.meta(actorOf(req), req.params.id),
  );

  app.put(
    '/api/rooms/:room/read',
    {
      schema: {
        tags,
        summary: 'Mark a room read up to a room event seq (markers only move forward)',
        params: roomParams,
        body: readMarkerBody,
        response: { 200: roomUnreadSchema },
      },
    },
    async (req) => chat.reads.mark(actorOf(req), req.params.room, req.body),
  );

  app.get(
    '/api/me/unreads',
    {
      schema: {
        tags,
        summary: 'Unread and mention counts of the rooms you are a member of',
        response: { 200: unreadsResponseSchema },
      },
    },
    async (req) => ({ rooms: await chat.reads.unreads(actorOf(req)) }),
  );
}
