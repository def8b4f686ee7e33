/**
 * The policy evaluator: built-in roles, custom roles (with inheritance) and scoped grants, compiled at
 * construction into per-role lookup tables. `allows` runs before every command, so it does a Map get
 * per role the actor holds and tests precompiled matchers, allocating nothing. `who can` asks the same
 * `explain` that `allows` is built on, so what people read is what is enforced.
 */
import { type Actor, ROLES } from '../../core/actor.js';
import { ValidationError } from '../../core/errors.js';
import {
  compilePattern,
  type PatternTest,
  patternsOverlap,
  templateAsPattern,
} from './permission-pattern.js';
import type { ExplainablePolicy, PermissionRequest, PolicyReason, PolicySubject } from './policy.js';
import { BUILT_IN_ROLE_PERMISSIONS } from './role-permissions.js';

/** A custom role as the configuration gives it (`policy.roles.<name>`). */
export interface RoleSettings {
  permissions: readonly string[];
  inherits: readonly string[];
  description?: string | undefined;
}

/** A grant as the configuration gives it: to a role or a user, optionally scoped. */
export interface GrantSettings {
  role?: string | undefined;
  user?: string | undefined;
  permission: string;
  /** Only for these commands (names, not aliases). */
  commands?: readonly string[] | undefined;
  /** Only when every named argument has one of these values (`*` wildcards allowed). */
  args?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Only in these rooms (names without '#'); never for runs without a room. */
  rooms?: readonly string[] | undefined;
}

export interface PolicySettings {
  roles?: Readonly<Record<string, RoleSettings>> | undefined;
  grants?: readonly GrantSettings[] | undefined;
}

type RoleReason = Extract<PolicyReason, { kind: 'role' }>;
type GrantReason = Extract<PolicyReason, { kind: 'grant' }>;

interface Rule {
  test: PatternTest;
  reason: RoleReason;
}

interface CompiledGrant {
  test: PatternTest;
  pattern: string;
  commands: ReadonlySet<string> | undefined;
  /** [argument name, tests of its allowed values] */
  args: readonly (readonly [string, readonly PatternTest[]])[] | undefined;
  rooms: ReadonlySet<string> | undefined;
  reason: GrantReason;
}

interface CompiledRole {
  /** A `*` permission: allows everything, no lookup needed. */
  all: RoleReason | undefined;
  exact: Map<string, RoleReason>;
  patterns: Rule[];
  grants: CompiledGrant[];
  /** `mayUse` answers by `command permission`; bounded. */
  mayUse: Map<string, boolean>;
}

const NO_GRANTS: readonly CompiledGrant[] = [];

export class ConfiguredPolicy implements ExplainablePolicy {
  /** Built-in roles first, then custom ones in file order. */
  readonly roleNames: readonly string[];
  /**
   * The roles that allow everything (`admin`, and configured roles that inherit it or hold `*`): what an
   * API token without the `admin` scope may not act with (`boundByScopes` in core/actor.ts).
   */
  readonly adminRoles: readonly string[];
  private readonly roles = new Map<string, CompiledRole>();
  private readonly userGrants = new Map<string, CompiledGrant[]>();

  constructor(settings: PolicySettings = {}) {
    const custom = settings.roles ?? {};
    const definitions = new Map<string, { permissions: readonly string[]; inherits: readonly string[] }>();
    for (const role of ROLES)
      definitions.set(role, { permissions: BUILT_IN_ROLE_PERMISSIONS[role], inherits: [] });
    for (const [name, role] of Object.entries(custom)) {
      if (definitions.has(name)) throw new ValidationError(`policy: '${name}' is a built-in role`);
      definitions.set(name, role);
    }
    this.roleNames = Object.freeze([...definitions.keys()]);
    const grants = (settings.grants ?? []).map((grant, index) => {
      if (grant.role !== undefined && !definitions.has(grant.role)) {
        throw new ValidationError(`policy.grants.${index}: unknown role '${grant.role}'`);
      }
      if ((grant.role === undefined) === (grant.user === undefined)) {
        throw new ValidationError(`policy.grants.${index}: a grant names exactly one of role or user`);
      }
      return {
        role: grant.role,
        user: grant.user?.replace(/^@/, '').toLowerCase(),
        compiled: compileGrant(grant, index),
      };
    });

    for (const [name, ancestors] of closures(definitions)) {
      const role: CompiledRole = {
        all: undefined,
        exact: new Map(),
        patterns: [],
        grants: [],
        mayUse: new Map(),
      };
      for (const from of ancestors) {
        for (const pattern of definitions.get(from)!.permissions) {
          const reason: RoleReason = { kind: 'role', role: name, from, pattern };
          if (pattern === '*') role.all ??= reason;
          else if (!pattern.includes('*')) {
            if (!role.exact.has(pattern)) role.exact.set(pattern, reason);
          } else role.patterns.push({ test: compilePattern(pattern), reason });
        }
      }
      // A role has the grants of every role it inherits from, as it has their permissions.
      role.grants = grants
        .filter((g) => g.role !== undefined && ancestors.includes(g.role))
        .map((g) => g.compiled);
      this.roles.set(name, role);
    }
    this.adminRoles = Object.freeze(this.roleNames.filter((name) => this.roles.get(name)?.all !== undefined));
    for (const grant of grants) {
      if (grant.user === undefined) continue;
      const list = this.userGrants.get(grant.user) ?? [];
      list.push(grant.compiled);
      this.userGrants.set(grant.user, list);
    }
  }

  allows(actor: Actor, request: PermissionRequest): boolean {
    return this.explain(actor, request) !== undefined;
  }

  /**
   * Why the actor may make this request, or undefined when nothing allows it. Role permissions are
   * tried before grants, so the reason is the plainest one that applies.
   */
  explain(actor: PolicySubject, request: PermissionRequest): PolicyReason | undefined {
    const permission = request.permission;
    const held = actor.roles;
    for (let i = 0; i < held.length; i++) {
      const role = this.roles.get(held[i]!);
      if (role === undefined) continue;
      if (role.all !== undefined) return role.all;
      const exact = role.exact.get(permission);
      if (exact !== undefined) return exact;
      for (const rule of role.patterns) if (rule.test(permission)) return rule.reason;
    }
    for (let i = 0; i < held.length; i++) {
      const grants = this.roles.get(held[i]!)?.grants ?? NO_GRANTS;
      for (const grant of grants) if (grantApplies(grant, request)) return grant.reason;
    }
    if (this.userGrants.size > 0) {
      const grants = this.userGrants.get(actor.username);
      if (grants !== undefined)
        for (const grant of grants) if (grantApplies(grant, request)) return grant.reason;
    }
    return undefined;
  }

  mayUse(actor: Actor, request: { command: string; permission: string | undefined }): boolean {
    const { command, permission } = request;
    // A permission computed by a function is only known once the arguments are: the run decides.
    if (permission === undefined) return true;
    for (const name of actor.roles) {
      const role = this.roles.get(name);
      if (role !== undefined && roleMayUse(role, command, permission)) return true;
    }
    const grants = this.userGrants.size > 0 ? this.userGrants.get(actor.username) : undefined;
    return grants !== undefined && couldUse(NO_ROLE, grants, command, permission);
  }
}

const NO_ROLE: CompiledRole = {
  all: undefined,
  exact: new Map(),
  patterns: [],
  grants: [],
  mayUse: new Map(),
};
/** Answers remembered per role: help and "did you mean" ask about every command, message after message. */
const MAY_USE_CACHE_SIZE = 4096;

function roleMayUse(role: CompiledRole, command: string, permission: string): boolean {
  if (role.all !== undefined) return true;
  const key = `${command} ${permission}`;
  let known = role.mayUse.get(key);
  if (known === undefined) {
    known = couldUse(role, role.grants, command, permission);
    if (role.mayUse.size >= MAY_USE_CACHE_SIZE) role.mayUse.clear();
    role.mayUse.set(key, known);
  }
  return known;
}

/**
 * Whether the role's permissions, or one of the grants, could allow some run of the command. Argument
 * and room scopes may be met by some run; a command scope is known now. `{{arg}}` is any value.
 */
function couldUse(
  role: CompiledRole,
  grants: readonly CompiledGrant[],
  command: string,
  permission: string,
): boolean {
  const templated = permission.includes('{{');
  const wanted = templated ? templateAsPattern(permission) : permission;
  const could = (test: PatternTest, pattern: string) =>
    templated ? patternsOverlap(pattern, wanted) : test(wanted);
  if (templated ? [...role.exact.keys()].some((p) => patternsOverlap(p, wanted)) : role.exact.has(wanted)) {
    return true;
  }
  if (role.patterns.some((rule) => could(rule.test, rule.reason.pattern))) return true;
  return grants.some(
    (grant) =>
      (grant.commands === undefined || grant.commands.has(command)) && could(grant.test, grant.pattern),
  );
}

/**
 * Builds the policy from the `policy:` section of the configuration (undefined: built-in roles only).
 *
 * @example
 * ```ts
 * const policy = createPolicy({
 *   roles: { deployer: { permissions: ['deploy:staging'], inherits: ['member'] } },
 *   grants: [{ role: 'member', permission: 'deploy:*', args: { env: ['staging'] }, rooms: ['ops'] }],
 * });
 * policy.allows(actor, { permission: 'deploy:staging', command: 'deploy', args: { env: 'staging' }, room: 'ops' });
 * ```
 */
export function createPolicy(settings?: PolicySettings): ConfiguredPolicy {
  return new ConfiguredPolicy(settings);
}

function grantApplies(grant: CompiledGrant, request: PermissionRequest): boolean {
  if (!grant.test(request.permission)) return false;
  if (grant.commands !== undefined && (request.command === undefined || !grant.commands.has(request.command)))
    return false;
  if (grant.rooms !== undefined && (request.room === undefined || !grant.rooms.has(request.room)))
    return false;
  if (grant.args !== undefined) {
    const args = request.args;
    if (args === undefined) return false;
    for (const [name, tests] of grant.args) {
      const text = argText(args[name]);
      if (text === undefined) return false;
      let matched = false;
      for (const test of tests) {
        if (test(text)) {
          matched = true;
          break;
        }
      }
      if (!matched) return false;
    }
  }
  return true;
}

function argText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return undefined;
}

function compileGrant(grant: GrantSettings, index: number): CompiledGrant {
  const rooms = grant.rooms?.map((room) => room.replace(/^#/, '').toLowerCase());
  const args = grant.args && Object.entries(grant.args);
  const subject = grant.role ?? `@${(grant.user ?? '?').replace(/^@/, '')}`;
  const parts = [subject];
  if (grant.commands !== undefined) parts.push(`for ${grant.commands.join(', ')}`);
  if (rooms !== undefined) parts.push(`in ${rooms.map((r) => `#${r}`).join(', ')}`);
  if (args !== undefined && args.length > 0) {
    parts.push(`when ${args.map(([name, values]) => `${name}=${values.join('|')}`).join(' and ')}`);
  }
  return {
    test: compilePattern(grant.permission),
    pattern: grant.permission,
    commands: grant.commands && new Set(grant.commands.map((c) => c.toLowerCase())),
    args:
      args && args.length > 0
        ? args.map(([name, values]) => [name, values.map(compilePattern)] as const)
        : undefined,
    rooms: rooms && new Set(rooms),
    reason: { kind: 'grant', description: parts.join(' '), index },
  };
}

/**
 * For each role, itself and every role it inherits from (directly or not), itself first. An unknown
 * parent or a cycle is an error: the configuration schema reports both with their YAML lines, this is
 * the guard for policies built in code.
 */
function closures(definitions: ReadonlyMap<string, { inherits: readonly string[] }>): Map<string, string[]> {
  const done = new Map<string, string[]>();
  const visit = (name: string, path: string[]): string[] => {
    const known = done.get(name);
    if (known !== undefined) return known;
    if (path.includes(name)) {
      throw new ValidationError(
        `policy: roles inherit in a cycle: ${[...path.slice(path.indexOf(name)), name].join(' → ')}`,
      );
    }
    const definition = definitions.get(name);
    if (definition === undefined)
      throw new ValidationError(`policy: '${path.at(-1)}' inherits unknown role '${name}'`);
    const all = [name];
    for (const parent of definition.inherits) {
      for (const ancestor of visit(parent, [...path, name])) if (!all.includes(ancestor)) all.push(ancestor);
    }
    done.set(name, all);
    return all;
  };
  for (const name of definitions.keys()) visit(name, []);
  return done;
}
