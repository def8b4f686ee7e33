import { type Actor, canWrite } from '../../core/actor.js';
import { NotFoundError, PermissionDeniedError } from '../../core/errors.js';
import type { RoomRow, RoomStore } from './room-store.js';

export const OPEN_KINDS = new Set(['public', 'incident']);

/** Who may read and write where. One place, so REST, WebSocket, search and the CLI agree. */
export class RoomAccess {
  constructor(private readonly rooms: RoomStore) {}

  /** The room if the actor may read it. A private room the actor cannot see is reported as not found. */
  async readable(actor: Actor, ref: string): Promise<RoomRow & { isMember: boolean }> {
    const room = await this.rooms.find(ref);
    if (!room || room.archivedAt !== null) throw new NotFoundError('room', ref);
    const isMember = await this.rooms.isMember(room.id, actor.userId);
    if (!isMember && !OPEN_KINDS.has(room.kind)) {
      throw new PermissionDeniedError(`You are not a member of #${room.name}`);
    }
    return { ...room, isMember };
  }

  /** The room if the actor may post in it. */
  async writable(actor: Actor, ref: string): Promise<RoomRow & { isMember: boolean }> {
    if (!canWrite(actor)) throw new PermissionDeniedError('Your role or token can only read');
    return this.readable(actor, ref);
  }
}
