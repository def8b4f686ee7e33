/**
 * `POST /api/bot/run` with `as`: an admin runs a command line as another user (their roles, their
 * rooms), e.g. to reproduce what someone saw. The run is that user's, but the audit record must still
 * name who really asked, so the actor carries `via`, which the audit hook writes into the record's detail.
 */
import { type Actor, isAdmin } from '../../core/actor.js';
import { PermissionDeniedError } from '../../core/errors.js';

/** Who really asked for a run made as someone else. */
export interface RunAsOrigin {
  userId: string;
  username: string;
}

/** An actor standing in for another user's run; the extra field survives `{ ...actor }` copies. */
export type RunAsActor = Actor & { readonly via: RunAsOrigin };

/** What resolving the user needs from identity (IdentityService fits). */
export interface RunAsIdentity<User extends { disabledAt: string | null; username: string }> {
  /** The user's row; throws NotFoundError when there is none. */
  requireUser(username: string): Promise<User>;
  actorFor(user: NoInfer<User>, channel: Actor['channel']): Actor;
}

/**
 * The actor to run as: the named user (their roles, no token scopes: the admin's token allowed
 * everything), marked with the admin who asked. Only an admin with an admin-scoped token may do this;
 * anyone else gets E_PERMISSION_DENIED, an unknown user E_NOT_FOUND.
 *
 * @example
 * ```ts
 * const actor = body.as === undefined ? caller : await runAsActor(caller, body.as, app.identity);
 * await bot.dispatcher.execute(actor, body.line); // audited as alice, with detail { via: 'root' }
 * ```
 */
export async function runAsActor<User extends { disabledAt: string | null; username: string }>(
  caller: Actor,
  username: string,
  identity: RunAsIdentity<User>,
): Promise<RunAsActor> {
  if (!isAdmin(caller)) {
    throw new PermissionDeniedError(
      'Only admins (with an admin-scoped token) can run commands as another user',
    );
  }
  const row = await identity.requireUser(username.trim());
  if (row.disabledAt !== null) throw new PermissionDeniedError(`@${row.username} is disabled`);
  const target = identity.actorFor(row, caller.channel);
  return { ...target, via: { userId: caller.userId, username: caller.username } };
}

/** Who really asked, when the actor runs on someone else's behalf; undefined for an ordinary run. */
export function viaOf(actor: Actor): RunAsOrigin | undefined {
  const via = (actor as Partial<RunAsActor>).via;
  return via !== undefined && typeof via.username === 'string' ? via : undefined;
}

/**
 * The audit fields that record who really asked (`{ detail: { via, viaId } }`), or nothing for an
 * ordinary run: spread into the `command.run` audit entry.
 */
export function runAsAuditFields(actor: Actor): { detail?: { via: string; viaId: string } } {
  const via = viaOf(actor);
  return via === undefined ? {} : { detail: { via: via.username, viaId: via.userId } };
}
