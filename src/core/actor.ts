/** Who is acting, and through which way in. Every service call that changes state takes one. */
export type Channel = 'web' | 'api' | 'cli' | 'adapter' | 'system';

/** The built-in roles, strongest first. More roles can be defined under `policy.roles` in opsroom.yaml. */
export const ROLES = ['admin', 'operator', 'responder', 'member', 'viewer'] as const;
export type BuiltInRole = (typeof ROLES)[number];
/**
 * A role name: a built-in one or one the configuration defines. Users hold role names as strings, and
 * the identity service checks them against the known roles when they are given.
 */
export type Role = BuiltInRole | (string & {});
/** What a role name looks like (built-in or configured): checked in opsroom.yaml and on every user. */
export const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

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
