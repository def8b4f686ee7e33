import type { Role } from '../../core/actor.js';

declare module '../../core/events.js' {
  interface OpsroomEvents {
    'user.created': { userId: string; username: string; roles: Role[]; by: string };
    'user.roles_changed': { userId: string; username: string; roles: Role[]; by: string };
    'user.password_set': { userId: string; username: string; by: string };
    'token.created': { tokenId: string; userId: string; name: string; by: string };
    'token.revoked': { tokenId: string; userId: string; by: string };
    'session.created': { userId: string; username: string };
  }
}
