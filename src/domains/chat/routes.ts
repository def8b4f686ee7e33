import { Readable } from 'node:stream';
import { z } from 'zod';
import { actorOf, type RouteApp } from '../route-context.js';
import type { ChatDomain } from './index.js';
import {
  addMemberBody,
  cardActionBody,
  createRoomBody,
  editMessageBody,
  eventsQuery,
  historyPageSchema,
  historyQuery,
  messageEditViewSchema,
  messageViewSchema,
  postMessageBody,
  reactionBody,
  roomViewSchema,
  searchHitSchema,
  searchQuery,
  updateRoomBody,
} from './schema.js';

const roomParams = z.strictObject({ room: z.string().min(1).max(100) });
const messageParams = z.strictObject({ id: z.string().min(1).max(64) });
const memberSchema = z.object({
  userId: z.string(),
  username: z.string(),
  role: z.string(),
  joinedAt: z.string(),
});

export function registerChatRoutes(
  app: RouteApp,
  chat: ChatDomain,
  limits: { maxMessageLength: number },
): void {
  const tags = ['chat'];
  app.post(
    '/api/rooms',
    { schema: { tags, summary: 'Create a room', body: createRoomBody, response: { 201: roomViewSchema } } },
    async (req, reply) => {
      reply.code(201);
      return chat.rooms.create(actorOf(req), req.body);
    },
  );

  app.get(
    '/api/rooms',
    {
      schema: {
        tags,
        summary: 'Rooms you can see',
        response: { 200: z.object({ rooms: z.array(roomViewSchema) }) },
      },
    },
    async (req) => ({
      rooms: await chat.rooms.list(actorOf(req)),
    }),
  );

  app.get(
    '/api/rooms/:room',
    {
      schema: {
        tags,
        summary: 'One room, by name or id',
        params: roomParams,
        response: { 200: roomViewSchema },
      },
    },
    async (req) => chat.rooms.get(actorOf(req), req.params.room),
  );

  app.patch(
    '/api/rooms/:room',
    {
      schema: {
        tags,
        summary: 'Set the topic',
        params: roomParams,
        body: updateRoomBody,
        response: { 200: roomViewSchema },
      },
    },
    async (req) => chat.rooms.setTopic(actorOf(req), req.params.room, req.body.topic),
  );

  app.post(
    '/api/rooms/:room/join',
    {
      schema: { tags, summary: 'Join a public room', params: roomParams, response: { 200: roomViewSchema } },
    },
    async (req) => chat.rooms.join(actorOf(req), req.params.room),
  );

  app.post(
    '/api/rooms/:room/leave',
    { schema: { tags, summary: 'Leave a room', params: roomParams } },
    async (req, reply) => {
      await chat.rooms.leave(actorOf(req), req.params.room);
      reply.code(204);
    },
  );

  app.get(
    '/api/rooms/:room/members',
    {
      schema: {
        tags,
        summary: 'Members of a room',
        params: roomParams,
        response: { 200: z.object({ members: z.array(memberSchema) }) },
      },
    },
    async (req) => ({
      members: await chat.rooms.members(actorOf(req), req.params.room),
    }),
  );

  app.post(
    '/api/rooms/:room/members',
    { schema: { tags, summary: 'Add someone to a room', params: roomParams, body: addMemberBody } },
    async (req, reply) => {
      await chat.rooms.addMember(actorOf(req), req.params.room, req.body.username);
      reply.code(204);
    },
  );

  app.post(
    '/api/dms',
    {
      schema: {
        tags,
        summary: 'Open a direct-message room',
        body: addMemberBody,
        response: { 200: roomViewSchema },
      },
    },
    async (req) => chat.rooms.openDirect(actorOf(req), req.body.username),
  );

  const messageCreated = messageViewSchema.extend({ seq: z.number().int() });
  app.post(
    '/api/rooms/:room/messages',
    {
      schema: {
        tags,
        summary: 'Post a message (answers once it is committed)',
        params: roomParams,
        body: postMessageBody(limits.maxMessageLength),
        response: { 201: messageCreated },
      },
    },
    async (req, reply) => {
      const message = await chat.messages.post(actorOf(req), req.params.room, req.body);
      reply.code(201);
      return message;
    },
  );

  app.get(
    '/api/rooms/:room/messages',
    {
      schema: {
        tags,
        summary:
          'History, oldest first: the newest page, or ?before=, ?after= or ?around=<message id> (jump to a message)',
        params: roomParams,
        querystring: historyQuery,
        response: { 200: historyPageSchema },
      },
    },
    async (req) => chat.messages.historyPage(actorOf(req), req.params.room, req.query),
  );

  const frames = z.object({ roomId: z.string(), lastSeq: z.number().int(), events: z.array(z.unknown()) });
  app.get(
    '/api/rooms/:room/events',
    {
      schema: {
        tags,
        summary: 'Room events after a sequence number (what a client missed)',
        params: roomParams,
        querystring: eventsQuery,
        response: { 200: frames },
      },
    },
    async (req) => {
      const { room, events } = await chat.messages.eventsSince(
        actorOf(req),
        req.params.room,
        req.query.after,
        req.query.limit,
      );
      return {
        roomId: room.id,
        lastSeq: Number(room.lastSeq),
        events: events.map((e) => JSON.parse(e.frame)),
      };
    },
  );

  app.get(
    '/api/messages/:id',
    { schema: { tags, summary: 'One message', params: messageParams, response: { 200: messageViewSchema } } },
    async (req) => chat.messages.get(actorOf(req), req.params.id),
  );

  app.patch(
    '/api/messages/:id',
    {
      schema: {
        tags,
        summary: 'Edit text or update a card in place',
        params: messageParams,
        body: editMessageBody(limits.maxMessageLength),
        response: { 200: messageViewSchema },
      },
    },
    async (req) => chat.messages.edit(actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/api/messages/:id',
    { schema: { tags, summary: 'Delete (soft)', params: messageParams } },
    async (req, reply) => {
      await chat.messages.remove(actorOf(req), req.params.id);
      reply.code(204);
    },
  );

  app.get(
    '/api/messages/:id/edits',
    {
      schema: {
        tags,
        summary: 'Earlier versions of a message',
        params: messageParams,
        response: { 200: z.object({ edits: z.array(messageEditViewSchema) }) },
      },
    },
    async (req) => ({ edits: await chat.messages.editHistory(actorOf(req), req.params.id) }),
  );

  for (const [method, add] of [
    ['put', true],
    ['delete', false],
  ] as const) {
    app[method](
      '/api/messages/:id/reactions/:emoji',
      {
        schema: {
          tags,
          summary: add ? 'Add a reaction' : 'Remove a reaction',
          params: messageParams.extend(reactionBody.shape),
          response: { 200: messageViewSchema },
        },
      },
      async (req) => chat.messages.react(actorOf(req), req.params.id, req.params.emoji, add),
    );
    app[method](
      '/api/messages/:id/pin',
      {
        schema: {
          tags,
          summary: add ? 'Pin' : 'Unpin',
          params: messageParams,
          response: { 200: messageViewSchema },
        },
      },
      async (req) => chat.messages.pin(actorOf(req), req.params.id, add),
    );
  }

  app.post(
    '/api/messages/:id/actions',
    {
      schema: {
        tags,
        summary: 'Press a card button',
        params: messageParams,
        body: cardActionBody,
        response: { 202: z.object({ seq: z.number().int() }) },
      },
    },
    async (req, reply) => {
      const action =
        req.body.value === undefined
          ? { actionId: req.body.actionId }
          : { actionId: req.body.actionId, value: req.body.value };
      const seq = await chat.messages.cardAction(actorOf(req), req.params.id, action);
      reply.code(202);
      return { seq };
    },
  );

  app.get(
    '/api/search',
    {
      schema: {
        tags,
        summary:
          'Search messages: words, substrings, "phrases", in:#room from:@user before:/after:YYYY-MM-DD',
        querystring: searchQuery,
        response: {
          200: z.object({ hits: z.array(searchHitSchema), nextBefore: z.number().int().nullable() }),
        },
      },
    },
    async (req) => chat.search.search(actorOf(req), req.query),
  );

  app.get(
    '/api/rooms/:room/export',
    {
      schema: {
        tags,
        summary: "A room's messages as JSON Lines, oldest first (replies and deletions included)",
        params: roomParams,
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      // Checked before the stream starts, so a refusal is a proper 403/404 and not a cut-off body.
      await chat.rooms.get(actor, req.params.room);
      const lines = async function* () {
        for await (const message of chat.messages.exportRoom(actor, req.params.room))
          yield `${JSON.stringify(message)}\n`;
      };
      return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(lines()));
    },
  );
}
