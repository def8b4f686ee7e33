import { z } from 'zod';
import { ROLE_NAME, ROLES } from '../core/actor.js';
import { handle } from '../core/text.js';

/**
 * The `policy:` section of opsroom.yaml: custom roles and scoped grants on top of the built-in roles.
 *
 * ```yaml
 * policy:
 *   roles:
 *     deployer: { permissions: ['deploy:staging', 'ops:read'], inherits: [member] }
 *   grants:
 *     - role: member              # or user: alice
 *       permission: 'deploy:*'
 *       commands: [deploy]        # only these commands
 *       args: { env: staging }    # only when every listed argument has one of these values
 *       rooms: [ops]              # only in these rooms; never for a run without a room
 * ```
 * Everything the file refers to is checked here (unknown roles, cycles, malformed patterns), so
 * `opsroom config check` names the YAML line; the evaluator is in `domains/policy/`.
 */

const BUILT_IN: readonly string[] = ROLES;

// Lower-case segments joined by ':', where `*` is a wildcard: `*`, `deploy:*`, `deploy:staging`.
const PERMISSION_PATTERN = /^[a-z0-9_./*-]+(?::[a-z0-9_./*-]+)*$/;
const COMMAND_NAME = /^[a-z][a-z0-9_-]*$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const ROLE_NAME_RULE = 'a role name is a-z, 0-9, - and _, starting with a letter (at most 32 characters)';
const roleName = z.string().regex(ROLE_NAME, { message: ROLE_NAME_RULE });

const permissionPattern = z.string().regex(PERMISSION_PATTERN, {
  message: "a permission is lower-case words joined by ':', with '*' as a wildcard (e.g. deploy:*, ops:read)",
});

const customRole = z.strictObject({
  description: z.string().max(200).optional(),
  permissions: z.array(permissionPattern).max(200).default([]),
  inherits: z.array(roleName).max(20).default([]),
});

// YAML reads `replicas: 3` as a number and `force: true` as a boolean; they match the argument's text.
const argValue = z.union([z.string().min(1).max(200), z.number(), z.boolean()]).transform(String);

const grant = z
  .strictObject({
    role: roleName.optional(),
    user: z
      .preprocess((v) => (typeof v === 'string' ? v.replace(/^@/, '') : v), handle('username', 32))
      .optional(),
    permission: permissionPattern,
    commands: z
      .array(z.string().regex(COMMAND_NAME, { message: 'a command name is lower-case, e.g. deploy' }))
      .min(1)
      .max(100)
      .optional(),
    args: z
      .record(
        z.string().regex(ARG_NAME, { message: 'an argument name is a word, e.g. env' }),
        z.union([argValue.transform((v) => [v]), z.array(argValue).min(1).max(100)]),
      )
      .optional(),
    rooms: z
      .array(z.preprocess((v) => (typeof v === 'string' ? v.replace(/^#/, '') : v), handle('room name', 80)))
      .min(1)
      .max(100)
      .optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.role === undefined) === (value.user === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a grant names exactly one of role or user' });
    }
  });

export const policyConfigSchema = z
  .strictObject({
    roles: z
      .record(roleName, customRole, {
        error: (issue) => (issue.code === 'invalid_key' ? ROLE_NAME_RULE : undefined),
      })
      .default({}),
    grants: z.array(grant).max(1000).default([]),
  })
  .superRefine((policy, ctx) => {
    const known = [...new Set([...BUILT_IN, ...Object.keys(policy.roles)])];
    const list = known.join(', ');
    for (const [name, role] of Object.entries(policy.roles)) {
      if (BUILT_IN.includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['roles', name],
          message: `'${name}' is a built-in role; define a new role that inherits it, or add a grant to it`,
        });
      }
      for (const [i, parent] of role.inherits.entries()) {
        if (!known.includes(parent)) {
          ctx.addIssue({
            code: 'custom',
            path: ['roles', name, 'inherits', i],
            message: `unknown role '${parent}'; roles are ${list}`,
          });
        }
      }
    }
    for (const cycle of inheritanceCycles(policy.roles)) {
      ctx.addIssue({
        code: 'custom',
        path: ['roles', cycle[0]!, 'inherits'],
        message: `roles inherit in a cycle: ${cycle.join(' → ')}`,
      });
    }
    for (const [i, g] of policy.grants.entries()) {
      if (g.role !== undefined && !known.includes(g.role)) {
        ctx.addIssue({
          code: 'custom',
          path: ['grants', i, 'role'],
          message: `unknown role '${g.role}'; roles are ${list}`,
        });
      }
    }
  })
  .prefault({});

export type PolicyConfig = z.infer<typeof policyConfigSchema>;

/** Each cycle once, as the path that closes it (`a → b → a`), starting from its first role in the file. */
function inheritanceCycles(roles: Readonly<Record<string, { inherits: readonly string[] }>>): string[][] {
  const cycles: string[][] = [];
  const finished = new Set<string>();
  const visit = (name: string, path: string[]) => {
    if (finished.has(name)) return;
    const at = path.indexOf(name);
    if (at !== -1) {
      cycles.push([...path.slice(at), name]);
      return;
    }
    const role = Object.hasOwn(roles, name) ? roles[name] : undefined;
    if (role === undefined) return;
    for (const parent of role.inherits) visit(parent, [...path, name]);
    finished.add(name);
  };
  for (const name of Object.keys(roles)) visit(name, []);
  return cycles;
}
