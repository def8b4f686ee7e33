import type { Actor } from '../../core/actor.js';
import { createPolicy } from './configured-policy.js';

/**
 * One question the policy answers: may this actor use this permission, for this command, with these
 * arguments, in this room? The dispatcher asks it before every run, and `who can` asks the same
 * evaluator, so the answer people read is the rule that is enforced.
 */
export interface PermissionRequest {
  /** The permission the run needs, templates filled in (`deploy:prod`). */
  permission: string;
  /** The command's name, for grants scoped to commands. */
  command?: string;
  /** The parsed arguments, for grants scoped to argument values (`env=staging`). */
  args?: Readonly<Record<string, unknown>>;
  /** The room's name (no '#'), for grants scoped to rooms; absent for CLI and API runs without a room. */
  room?: string;
}

export interface Policy {
  allows(actor: Actor, request: PermissionRequest): boolean;
  /**
   * Whether some run of the command could be allowed (for `help`, autocomplete and `/api/bot/commands`):
   * true when a grant allows the permission for at least some arguments or rooms. `permission` is
   * undefined when a function computes it from the arguments.
   */
  mayUse(actor: Actor, request: { command: string; permission: string | undefined }): boolean;
}

/** Why an actor is allowed: a permission of one of their roles, or a grant. */
export type PolicyReason =
  | {
      kind: 'role';
      /** The role the actor holds. */
      role: string;
      /** The role whose permission matched (differs from `role` when inherited). */
      from: string;
      pattern: string;
    }
  | {
      kind: 'grant';
      /** `member for deploy in #ops when env=staging` */
      description: string;
      /** The grant's position under `policy.grants` (0-based). */
      index: number;
    };

/** Whom `explain` is about: a user, or a role on its own (`who can` asks about every role). */
export interface PolicySubject {
  readonly roles: readonly string[];
  readonly username: string;
}

/** A policy that can say why (for `who can`), built on the same evaluation as `allows`. */
export interface ExplainablePolicy extends Policy {
  /** Every role a user may hold: built-in first, then configured. */
  readonly roleNames: readonly string[];
  /** Why the actor may make the request, or undefined when nothing allows it. */
  explain(actor: PolicySubject, request: PermissionRequest): PolicyReason | undefined;
}

/**
 * The built-in roles only: what a server with no `policy:` section in its configuration enforces. The
 * same evaluator as a configured policy (`createPolicy(config.policy)`), with nothing added.
 */
export const BUILT_IN_POLICY: ExplainablePolicy = createPolicy();
