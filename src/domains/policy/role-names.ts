import { ROLES } from '../../core/actor.js';
import { ValidationError } from '../../core/errors.js';
import { closest } from '../bot/suggest.js';

/**
 * Refuses role names that are neither built-in nor configured, naming the valid ones (and the nearest
 * when it looks like a typo). Used wherever a user is created or given roles.
 *
 * @example
 * ```ts
 * assertKnownRoles(['deployer'], ['admin', 'member', 'deployer']); // passes
 * assertKnownRoles(['admn'], ROLES); // ValidationError: unknown role 'admn' (did you mean admin?); …
 * ```
 */
export function assertKnownRoles(roles: readonly string[], known: readonly string[]): void {
  const unknown = roles.filter((role) => !known.includes(role));
  if (unknown.length === 0) return;
  const described = unknown.map((role) => {
    const [near] = closest(role, known, { limit: 1 });
    return `'${role}'${near === undefined ? '' : ` (did you mean ${near}?)`}`;
  });
  const noun = unknown.length === 1 ? 'role' : 'roles';
  throw new ValidationError(`unknown ${noun} ${described.join(', ')}; valid roles: ${known.join(', ')}`);
}

/** The built-in roles first, then the configured ones in the order the file lists them. */
export function knownRoleNames(customRoles: Readonly<Record<string, unknown>> = {}): string[] {
  return [
    ...ROLES,
    ...Object.keys(customRoles).filter((name) => !(ROLES as readonly string[]).includes(name)),
  ];
}
