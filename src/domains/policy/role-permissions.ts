import type { Actor, Role } from '../../core/actor.js';

/**
 * What each built-in role may do, as permission patterns (`*` matches one or more segments' worth
 * of characters). The full policy (custom roles, scopes by argument and room, `who can`) builds on
 * this table; until then it is the one answer to "may this actor run that".
 */
export const BUILT_IN_ROLE_PERMISSIONS: Record<Role, readonly string[]> = {
  admin: ['*'],
  operator: ['bot:*', 'ops:*', 'deploy:*', 'alerts:*', 'incident:*', 'oncall:*'],
  responder: ['bot:*', 'ops:read', 'alerts:*', 'incident:*', 'oncall:*', 'deploy:staging'],
  member: ['bot:use', 'ops:read', 'incident:declare'],
  viewer: ['bot:use'],
};

function compile(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

const compiled = new Map<string, RegExp>();

export function permissionMatches(pattern: string, permission: string): boolean {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = compile(pattern);
    compiled.set(pattern, regex);
  }
  return regex.test(permission);
}

/** True when any of the actor's roles grants the permission. */
export function roleAllows(actor: Actor, permission: string): boolean {
  return actor.roles.some((role) =>
    BUILT_IN_ROLE_PERMISSIONS[role].some((p) => permissionMatches(p, permission)),
  );
}
