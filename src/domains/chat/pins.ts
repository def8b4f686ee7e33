import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Actor } from '../../core/actor.js';
import type { DB } from '../../storage/tables.js';
import { actorOf, type RouteApp } from '../route-context.js';
import type { RoomAccess } from './access.js';
import type { MessageStore } from './message-store.js';
import { type MessageView, messageViewSchema } from './schema.js';

const MAX_PINS = 200;

/** A room's pinned messages, newest pin first (deleted ones left out), for the pins panel. */
export class RoomPins {
  constructor(private readonly deps: { db: Kysely<DB>; access: RoomAccess; messages: MessageStore }) {}

  async list(actor: Actor, roomRef: string): Promise<MessageView[]> {
    const room = await this.deps.access.readable(actor, roomRef);
    const pins = await this.deps.db
      .selectFrom('pins')
      .select('messageId')
      .where('roomId', '=', room.id)
      .orderBy('pinnedAt', 'desc')
      .limit(MAX_PINS)
      .execute();
    const views = await this.deps.messages.viewsOf(pins.map((p) => p.messageId));
    return views.filter((m) => m.deletedAt === null);
  }
}

/** `GET /api/rooms/:room/pins`. */
export function registerPinRoutes(app: RouteApp, pins: RoomPins): void {
  app.get(
    '/api/rooms/:room/pins',
    {
      schema: {
        tags: ['chat'],
        summary: `Pinned messages of a room, newest pin first (at most ${MAX_PINS})`,
        params: z.strictObject({ room: z.string().min(1).max(100) }),
        response: { 200: z.object({ messages: z.array(messageViewSchema) }) },
      },
    },
    async (req) => ({ messages: await pins.list(actorOf(req), req.params.room) }),
  );
}
