import type { Actor, BuiltInRole } from '../../core/actor.js';

/**
 * What each built-in role may do, as permission patterns (`*` matches any run of characters). The
 * policy (`configured-policy.ts`: custom roles, scoped grants, `who can`) starts from this table.
 */
export const BUILT_IN_ROLE_PERMISSIONS: Record<BuiltInRole, readonly string[]> = {
  admin: ['*'],
  operator: ['bot:*', 'ops:*', 'jobs:*', 'deploy:*', 'alerts:*', 'incident:*', 'oncall:*'],
  responder: ['bot:*', 'ops:read', 'jobs:read', 'alerts:*', 'incident:*', 'oncall:*', 'deploy:staging'],
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

const BUILT_IN = new Map<string, readonly string[]>(Object.entries(BUILT_IN_ROLE_PERMISSIONS));

/**
 * True when one of the actor's built-in roles grants the permission (custom roles and grants count only
 * in a `Policy`: use `createPolicy(config.policy)`).
 */
export function roleAllows(actor: Actor, permission: string): boolean {
  return actor.roles.some(
    (role) => BUILT_IN.get(role)?.some((p) => permissionMatches(p, permission)) ?? false,
  );
}
