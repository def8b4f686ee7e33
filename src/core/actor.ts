/** Who is acting, and through which way in. Every service call that changes state takes one. */
export type Channel = 'web' | 'api' | 'cli' | 'adapter' | 'system';

export const ROLES = ['admin', 'operator', 'responder', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface Actor {
  userId: string;
  username: string;
  roles: Role[];
  channel: Channel;
  /** Present when the request came with an API token; limits what the user's roles allow. */
  scopes?: TokenScope[];
}

export function isAdmin(actor: Actor): boolean {
  return actor.roles.includes('admin') && (actor.scopes === undefined || actor.scopes.includes('admin'));
}

export function canWrite(actor: Actor): boolean {
  const roleAllows = actor.roles.some((role) => role !== 'viewer');
  const scopeAllows =
    actor.scopes === undefined || actor.scopes.includes('write') || actor.scopes.includes('admin');
  return roleAllows && scopeAllows;
}

export const SYSTEM_ACTOR: Actor = {
  userId: 'system',
  username: 'system',
  roles: ['admin'],
  channel: 'system',
};
