/**
 * `@user` and `#room` arguments are checked for shape by the parser (it has no I/O); whether the user
 * or room exists needs a lookup. This is that check, as a stage the dispatcher runs after parsing and
 * before the policy, so `page @bbo` gets a usage reply naming the problem instead of a handler error.
 */
import type { ArgSpec } from './arg-types.js';
import type { Command } from './command.js';
import { renderParseFailure } from './help.js';
import type { ParseFailure } from './parser.js';
import { formatPattern } from './pattern.js';
import type { Next, Run, Stage } from './pipeline.js';
import { didYouMean } from './suggest.js';

export interface EntityLookup {
  /** Whether a user with this username exists; disabled users count (`audit actor=@someone-who-left`). */
  userExists(username: string): Promise<boolean>;
  /** Whether a room with this name exists (visibility is the command's business, not this check's). */
  roomExists(name: string): Promise<boolean>;
  /** Names close to a misspelt one, best first; optional (a large install may not want the scan). */
  similarUsers?(username: string): Promise<string[]>;
  similarRooms?(name: string): Promise<string[]>;
  /**
   * Whether the name is already known to exist, answered at once without I/O (a cache): when every
   * `@user` and `#room` of a line is, the check costs no promise. False means "ask", not "missing".
   */
  known?(kind: EntityKind, name: string): boolean;
}

export type EntityKind = 'user' | 'room';

/**
 * The usage failure for the first `@user` or `#room` argument that names nothing, or undefined when all
 * exist. Defaults are checked too: a default naming a deleted room is as wrong as a typed one.
 *
 * @example
 * ```ts
 * const failure = await checkEntityArgs(parsed.command, parsed.args, {
 *   userExists: async (name) => (await identity.store.userByUsername(name)) !== undefined,
 *   roomExists: async (name) => (await chat.rooms.describe(name)) !== undefined,
 * });
 * if (failure) return { outcome: 'usage', text: renderParseFailure(failure) };
 * ```
 */
export async function checkEntityArgs(
  command: Command,
  args: Readonly<Record<string, unknown>>,
  lookup: EntityLookup,
): Promise<ParseFailure | undefined> {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(command.args as Record<string, ArgSpec>)) {
    const value = args[name];
    if (typeof value !== 'string' || (spec.type !== 'user' && spec.type !== 'room')) continue;
    if (spec.type === 'user') {
      if (await lookup.userExists(value)) continue;
      const near = (await lookup.similarUsers?.(value)) ?? [];
      problems.push(
        `${name}: there is no user @${value}${didYouMean(near.map((n) => `@${n}`))} (expected the username of someone on this server)`,
      );
    } else {
      if (await lookup.roomExists(value)) continue;
      const near = (await lookup.similarRooms?.(value)) ?? [];
      problems.push(
        `${name}: there is no room #${value}${didYouMean(near.map((n) => `#${n}`))} (expected the name of an existing room)`,
      );
    }
  }
  if (problems.length === 0) return undefined;
  return {
    kind: 'usage',
    command,
    message: problems.join('; '),
    usage: command.patterns.map((p) => formatPattern(p)),
  };
}

/**
 * The dispatcher stage for checkEntityArgs: a line naming an unknown user or room gets a usage reply
 * and never reaches the handler. Place it after the policy and rooms stages (someone refused the
 * command learns nothing about which users exist) and before the risk stage (nothing is proposed
 * that could not run). The reply names no command, so, like any usage reply, it is not audited.
 *
 * @example
 * ```ts
 * compose([rateLimit, parse, audit, policyStage(policy), roomsStage, entityStage(lookup), risk], run);
 * ```
 */
export function entityStage(lookup: EntityLookup): Stage {
  const checked = async (run: Run, next: Next) => {
    const failure = await checkEntityArgs(run.parsed!.command, run.parsed!.args, lookup);
    return failure === undefined ? next() : { outcome: 'usage' as const, text: renderParseFailure(failure) };
  };
  return (run, next) => {
    if (run.parsed === undefined || run.decided) return next();
    const named = entityArgsOf(run.parsed.command);
    if (named.length === 0) return next();
    if (lookup.known !== undefined && allKnown(named, run.parsed.args, lookup.known)) return next();
    return checked(run, next);
  };
}

/** Whether every `@user`/`#room` value of the line is known to exist without asking. */
function allKnown(
  named: readonly (readonly [string, EntityKind])[],
  args: Readonly<Record<string, unknown>>,
  known: (kind: EntityKind, name: string) => boolean,
): boolean {
  for (const [name, kind] of named) {
    const value = args[name];
    // checkEntityArgs looks only at string values (an absent optional argument is fine).
    if (typeof value === 'string' && !known(kind, value)) return false;
  }
  return true;
}

const entityArgs = new WeakMap<Command, readonly (readonly [string, EntityKind])[]>();

/** The command's `@user` and `#room` arguments with their kind (worked out once per command). */
function entityArgsOf(command: Command): readonly (readonly [string, EntityKind])[] {
  let named = entityArgs.get(command);
  if (named === undefined) {
    named = Object.entries(command.args as Record<string, ArgSpec>).flatMap(([name, spec]) =>
      spec.type === 'user' || spec.type === 'room' ? [[name, spec.type] as const] : [],
    );
    entityArgs.set(command, named);
  }
  return named;
}

/**
 * Remembers users and rooms once seen to exist: neither is ever deleted (users are disabled, and
 * disabled users still count), so a positive answer never goes stale, and the commands people repeat
 * (`deploy … #ops`, `page @alice`) skip the database. Misses are asked every time: the name may be
 * created at any moment.
 */
export function knownEntities(lookup: EntityLookup, limit = 50_000): EntityLookup {
  const users = new Set<string>();
  const rooms = new Set<string>();
  const remembered = (seen: Set<string>, ask: (name: string) => Promise<boolean>) => async (name: string) => {
    if (seen.has(name)) return true;
    const exists = await ask(name);
    if (exists && seen.size < limit) seen.add(name);
    return exists;
  };
  return {
    ...lookup,
    userExists: remembered(users, (name) => lookup.userExists(name)),
    roomExists: remembered(rooms, (name) => lookup.roomExists(name)),
    known: (kind, name) => (kind === 'user' ? users : rooms).has(name) || lookup.known?.(kind, name) === true,
  };
}
