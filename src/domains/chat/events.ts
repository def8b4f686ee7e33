import type { TokenScope } from '../../core/actor.js';
import type { RoomScoped } from '../../core/events.js';
import type { MessageView, RoomView } from './schema.js';

/** Every chat event belongs to a room's ordered stream and carries its ready-made WebSocket frame. */
export interface RoomStreamEvent<T> extends RoomScoped {
  frame: string;
  data: T;
}

/**
 * On the bus only (never in the frame, the stored event or a replay): the scopes of the API token the
 * message was posted or the button pressed with. The bot runs the line as that person through
 * `IdentityService.actorFor(user, channel, scopes)`, so a token does no more through the bot than
 * it may itself. Absent for a session or the server's own posts.
 */
export interface ByToken {
  scopes?: TokenScope[];
}

declare module '../../core/events.js' {
  interface OpsroomEvents {
    'room.created': RoomStreamEvent<RoomView>;
    'room.updated': RoomStreamEvent<RoomView>;
    'member.joined': RoomStreamEvent<{ userId: string; username: string }>;
    'member.left': RoomStreamEvent<{ userId: string; username: string }>;
    'message.created': RoomStreamEvent<MessageView> & ByToken;
    'message.updated': RoomStreamEvent<MessageView>;
    'message.deleted': RoomStreamEvent<{ id: string; deletedAt: string; by: string }>;
    'reaction.added': RoomStreamEvent<{ messageId: string; emoji: string; userId: string; username: string }>;
    'reaction.removed': RoomStreamEvent<{
      messageId: string;
      emoji: string;
      userId: string;
      username: string;
    }>;
    'message.pinned': RoomStreamEvent<{ messageId: string; by: string }>;
    'message.unpinned': RoomStreamEvent<{ messageId: string; by: string }>;
    /**
     * People were added to a room (created with them, a direct conversation opened with them, invited,
     * or they joined). Not part of the room's stream: the WebSocket gateway tells each of them, on
     * every connection, so their app follows the room at once (`rooms.changed` frame).
     */
    'room.members_added': {
      roomId: string;
      /** The room event that added them: a client following from here misses nothing after it. */
      seq: number;
      userIds: string[];
      /** The room as those members see it. */
      room: RoomView;
    };
    'card.action': RoomStreamEvent<{
      messageId: string;
      actionId: string;
      value?: string;
      userId: string;
      username: string;
    }> &
      ByToken;
  }
}

export const ROOM_STREAM_EVENTS = [
  'room.created',
  'room.updated',
  'member.joined',
  'member.left',
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.added',
  'reaction.removed',
  'message.pinned',
  'message.unpinned',
  'card.action',
] as const;
export type RoomStreamEventType = (typeof ROOM_STREAM_EVENTS)[number];
