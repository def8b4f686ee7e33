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

/**
 * What an API token may do. The scopes are a ladder: `read` reads; `write` also changes things (posts,
 * runs bot commands); `admin` also does what only admins may. A token never does more than its user's
 * roles allow, and `boundByScopes` is the one rule that cuts the roles down to the scopes.
 */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface Actor {
  userId: string;
  username: string;
  /** The roles this actor acts with: the user's, cut down by `boundByScopes` when a token is used. */
  roles: Role[];
  channel: Channel;
  /** Present when the request came with an API token (as the token has them, for `/api/me`). */
  scopes?: TokenScope[];
}

/** The role an admin's token without the `admin` scope acts with instead of its admin role(s). */
export const ADMIN_STAND_IN: BuiltInRole = 'operator';

/**
 * The roles an actor acting through a token with these scopes holds (the one place scopes bound
 * permissions; `IdentityService.actorFor` applies it to every Actor built from a user):
 *
 * - no scopes (a web session, the offline CLI, a run as someone else): the user's roles;
 * - without the `admin` scope: each role that amounts to admin (`adminRoles`: `admin`, and configured
 *   roles that inherit it or hold `*`) becomes `operator`, the strongest built-in role that is not admin,
 *   so such a token can do an operator's work but nothing that only admins may (users, roles, other
 *   people's tokens, secrets, integrations, the audit log, and every permission only `*` grants);
 * - with `read` alone: the same roles, and `scopesAllowWrite` is false, so the actor cannot post, run
 *   bot commands or change anything else.
 */
export function boundByScopes(
  roles: readonly Role[],
  scopes: readonly TokenScope[] | undefined,
  adminRoles: readonly string[] = ['admin'],
): Role[] {
  if (scopes === undefined || scopes.includes('admin')) return [...roles];
  if (!roles.some((role) => adminRoles.includes(role))) return [...roles];
  const bounded = roles.map((role) => (adminRoles.includes(role) ? ADMIN_STAND_IN : role));
  return [...new Set(bounded)];
}

/** Whether the actor's credential lets it change things: a session, or a token with `write` or `admin`. */
export function scopesAllowWrite(actor: Pick<Actor, 'scopes'>): boolean {
  const scopes = actor.scopes;
  return scopes === undefined || scopes.includes('write') || scopes.includes('admin');
}

/** Holds the `admin` role. A token without the `admin` scope never does (see `boundByScopes`). */
export function isAdmin(actor: Actor): boolean {
  return actor.roles.includes('admin');
}

/** May post and change chat: a role other than `viewer`, and a credential that may write. */
export function canWrite(actor: Actor): boolean {
  return actor.roles.some((role) => role !== 'viewer') && scopesAllowWrite(actor);
}

export const SYSTEM_ACTOR: Actor = {
  userId: 'system',
  username: 'system',
  roles: ['admin'],
  channel: 'system',
};
