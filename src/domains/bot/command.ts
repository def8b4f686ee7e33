/**
 * Commands are data: one definition gives the parser, help, "did you mean", autocomplete and the CLI
 * and HTTP entry points. `defineCommand` checks a definition when it is made, so a plugin author
 * learns about a typo in a pattern at load time, not from a user in chat.
 */
import type { Actor } from '../../core/actor.js';
import type { Card } from '../chat/schema.js';
import type { JobWithOutput } from '../jobs/schema.js';
import type { AnyArgValue, ArgSpecs, ArgsOf } from './arg-types.js';
import { describeValue } from './arg-types.js';
import { validateDefinition } from './command-validation.js';
import type { CompiledPattern } from './pattern.js';
import { renderTemplate } from './template.js';
import { quoteToken } from './tokenizer.js';

export { renderTemplate, templateNames } from './template.js';

export type Risk = 'none' | 'confirm' | 'approval';
export const RISKS: readonly Risk[] = ['none', 'confirm', 'approval'];

/** A message the handler sends: plain Markdown text, a card, or both. */
export interface CommandReply {
  text?: string;
  card?: Card;
}

/** What a handler may return; a string is a reply. `ok: false` marks the job failed. */
export type CommandResult =
  | undefined
  | string
  | (CommandReply & {
      ok?: boolean;
      exitCode?: number;
      /** A job this command started (confirm, approve): callers that wait follow it to its end. */
      job?: { id: number; done: Promise<JobWithOutput> };
    });

/**
 * What a handler gets. The dispatcher builds it for each job; nothing here does I/O itself.
 * - `reply` posts a separate message in the room (or thread);
 * - `progress` appends output to the job's one live message, which the runtime throttles;
 * - `signal` aborts on `cancel <job>` or on the command's timeout; long handlers must honour it.
 */
export interface CommandContext<Args> {
  readonly args: Args;
  /** Extra `key=value` pairs, only when the command sets `allowExtra`. */
  readonly extra: Readonly<Record<string, string>>;
  /** Who asked: commands run as that Opsroom user, never as a bot account. */
  readonly actor: Actor;
  readonly roomId: string;
  readonly threadId?: string;
  readonly jobId: string;
  /** The command line as typed, for logs and the audit record. */
  readonly line: string;
  readonly signal: AbortSignal;
  reply(message: string | CommandReply): Promise<void>;
  progress(text: string): void;
  /**
   * Fields shown on the job's live card above the output (a deploy's ref, SHA and links); each call
   * replaces the previous set. Absent for instant commands and test contexts, so call it as
   * `ctx.details?.(…)`.
   */
  details?(fields: CardField[]): void;
}

type CardField = NonNullable<Card['fields']>[number];

/** What a command's `check` sees: the parsed run, before it is proposed or started. */
export interface CommandCheck<Args> {
  readonly args: Args;
  readonly actor: Actor;
  /** The command line as typed (e.g. to see a `deploy!` suffix). */
  readonly line: string;
  /** The room's name (no '#'), absent for runs without a room. */
  readonly roomName?: string;
  /** True when a confirmed or approved proposal is being run now. */
  readonly decided: boolean;
}

/** A check's refusal: `usage` for a line that cannot run as written, `denied` for a rule that forbids it. */
export interface CommandRefusal {
  outcome: 'usage' | 'denied';
  text: string;
  /** Shown with the text, e.g. buttons that each run a corrected line. */
  card?: Card;
}

/** What a plugin author writes. See defineCommand. */
export interface CommandDefinition<A extends ArgSpecs = ArgSpecs> {
  /** Lower-case word: a-z, 0-9, '-' and '_', starting with a letter. */
  name: string;
  aliases?: readonly string[];
  /** One line for `help`. */
  summary: string;
  /** More detail for `help <cmd>`. */
  description?: string;
  /** Heading under which `help` lists the command. */
  group?: string;
  /**
   * Usage patterns, tried in order: literals, `{{arg}}`, `{{arg=default}}` and `[optional]` parts.
   * Each starts with the command word. Omitted: `name {{a}} [{{b}}]…` from `args` in order.
   */
  usage?: readonly string[];
  args?: A;
  /**
   * The permission a run needs, e.g. `deploy:prod`. May use `{{arg}}` (`deploy:{{env}}`) or be a
   * function of the arguments. Required, so nothing is runnable by accident.
   */
  permission: string | ((args: ArgsOf<A>) => string);
  /**
   * `confirm`: the requester confirms with a nonce; `approval`: someone else must approve. May be a
   * function of the arguments (`(args) => args.env === 'prod' ? 'approval' : 'none'`).
   */
  risk?: Risk | ((args: ArgsOf<A>) => Risk);
  /**
   * Checks a run after the permission and room checks and before it is proposed or started (again when
   * a decided proposal runs): return a refusal to stop it with that reply, or nothing to go on. For
   * rules that need state (a lock, a freeze window) or a friendlier usage reply than the parser's.
   */
  check?(run: CommandCheck<ArgsOf<A>>): Promise<CommandRefusal | undefined> | CommandRefusal | undefined;
  /** Rooms where the command may run (names, with or without '#'); omitted means anywhere. */
  rooms?: readonly string[];
  timeoutMs?: number;
  /**
   * Named locks that serialise runs, with `{{arg}}` templates: `deploy:{{app}}:{{env}}`; or a function
   * of the arguments, when a lock names a value the arguments leave implicit (a default environment).
   */
  locks?: readonly string[] | ((args: ArgsOf<A>) => string[]);
  /** Complete command lines; each is parsed when the command is defined. */
  examples?: readonly string[];
  /** Accept `key=value` pairs that are not declared arguments; they arrive in `ctx.extra`. */
  allowExtra?: boolean;
  /**
   * Answers at once without a job record (help, ping, jobs): only for commands that read and return
   * quickly. Everything else runs as a job with a live card, a status and an entry in `jobs`.
   */
  instant?: boolean;
  run(ctx: CommandContext<ArgsOf<A>>): Promise<CommandResult> | CommandResult;
}

/** A checked, normalised command, as the registry, parser and help use it. */
export interface Command<A extends ArgSpecs = ArgSpecs> {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly description?: string;
  readonly group?: string;
  readonly usage: readonly string[];
  readonly patterns: readonly CompiledPattern[];
  readonly args: Readonly<A>;
  /** The declared permission for help and `who can`; undefined when a function computes it. */
  readonly permission: string | undefined;
  /** The declared risk for help; `'none'` when a function computes it (see riskFor). */
  readonly risk: Risk;
  /** True when the risk depends on the arguments. */
  readonly riskVaries: boolean;
  readonly rooms?: readonly string[];
  readonly timeoutMs?: number;
  /** The declared lock templates; empty when a function computes them (see locksFor). */
  readonly locks: readonly string[];
  readonly examples: readonly string[];
  readonly allowExtra: boolean;
  readonly instant: boolean;
  /** The permission this run needs, with templates filled in. */
  permissionFor(args: ArgsOf<A>): string;
  /** The locks this run takes, with templates filled in. */
  locksFor(args: ArgsOf<A>): string[];
  /** The risk of this run. */
  riskFor(args: ArgsOf<A>): Risk;
  readonly check?: CommandDefinition<A>['check'];
  run(ctx: CommandContext<ArgsOf<A>>): Promise<CommandResult> | CommandResult;
}

/** Thrown by defineCommand, listing every problem in the definition at once. */
export class CommandDefinitionError extends Error {
  readonly problems: string[];
  constructor(name: string, problems: string[]) {
    super(`defineCommand('${name}'): ${problems.join('; ')}`);
    this.name = 'CommandDefinitionError';
    this.problems = problems;
  }
}

/**
 * Defines a bot command: checks the definition (names, patterns, argument specs, defaults, templates,
 * and that every example parses) and returns the normalised command with typed arguments.
 * Throws CommandDefinitionError naming every problem.
 *
 * @example
 * ```ts
 * export const deploy = defineCommand({
 *   name: 'deploy',
 *   aliases: ['ship'],
 *   summary: 'Deploy an app to an environment',
 *   usage: ['deploy {{app}}[/{{ref=main}}] to {{env=staging}}'],
 *   args: {
 *     app: { type: 'string', required: true, description: 'App to deploy' },
 *     ref: { type: 'string', description: 'Git ref' },
 *     env: { type: 'enum', values: ['staging', 'prod'], default: 'staging' },
 *   },
 *   permission: (args) => `deploy:${args.env}`,
 *   risk: 'confirm',
 *   locks: ['deploy:{{app}}:{{env}}'],
 *   examples: ['deploy api', 'deploy api/feature-x to prod'],
 *   async run({ args, progress }) {
 *     progress(`deploying ${args.app}@${args.ref ?? 'main'} to ${args.env}`);
 *     return 'done';
 *   },
 * });
 * ```
 */
export function defineCommand<const A extends ArgSpecs = Record<never, never>>(
  definition: CommandDefinition<A>,
): Command<A> {
  const checked = validateDefinition(definition as unknown as CommandDefinition);
  if (checked.problems.length > 0) {
    throw new CommandDefinitionError(String(definition.name), checked.problems);
  }
  const permission = definition.permission;
  const risk = definition.risk;
  const lockSpec = definition.locks;
  const locks = Object.freeze(typeof lockSpec === 'function' ? [] : [...(lockSpec ?? [])]);
  const command: Command<A> = {
    name: definition.name,
    aliases: Object.freeze([...(definition.aliases ?? [])]),
    summary: definition.summary.trim(),
    usage: Object.freeze(checked.usage),
    patterns: Object.freeze(checked.patterns),
    args: Object.freeze({ ...(definition.args ?? ({} as A)) }),
    permission: typeof permission === 'string' ? permission : undefined,
    risk: typeof risk === 'function' ? 'none' : (risk ?? 'none'),
    riskVaries: typeof risk === 'function',
    locks,
    examples: Object.freeze([...(definition.examples ?? [])]),
    allowExtra: definition.allowExtra ?? false,
    instant: definition.instant ?? false,
    permissionFor(args) {
      return typeof permission === 'string' ? renderTemplate(permission, args) : permission(args);
    },
    locksFor(args) {
      if (typeof lockSpec === 'function') return lockSpec(args);
      return locks.map((lock) => renderTemplate(lock, args));
    },
    riskFor(args) {
      return typeof risk === 'function' ? risk(args) : (risk ?? 'none');
    },
    ...(definition.check !== undefined && { check: definition.check }),
    run: definition.run,
    ...(definition.description !== undefined && { description: definition.description.trim() }),
    ...(definition.group !== undefined && { group: definition.group }),
    ...(checked.rooms !== undefined && { rooms: Object.freeze(checked.rooms) }),
    ...(definition.timeoutMs !== undefined && { timeoutMs: definition.timeoutMs }),
  };
  Object.freeze(command);
  defined.add(command as unknown as Command);
  // Examples are parsed last: they need the finished command.
  const exampleProblems = checked.checkExamples(command as unknown as Command);
  if (exampleProblems.length > 0) throw new CommandDefinitionError(definition.name, exampleProblems);
  return command;
}

const defined = new WeakSet<Command>();

/** Whether a value came from defineCommand (plain objects from JavaScript plugins did not). */
export function isCommand(value: unknown): value is Command {
  return typeof value === 'object' && value !== null && defined.has(value as Command);
}

/**
 * Arguments as `key=value` pairs the parser reads back (values quoted when needed), e.g. for a
 * confirmation prompt or an audit line.
 */
export function describeArgs(
  command: Command,
  args: Readonly<Record<string, AnyArgValue | undefined>>,
): string {
  return Object.entries(args)
    .filter(([, v]) => v !== undefined)
    .map(([name, value]) => {
      const spec = command.args[name];
      return `${name}=${quoteToken(spec ? describeValue(spec, value) : String(value))}`;
    })
    .join(' ');
}
