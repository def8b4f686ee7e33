/**
 * `plugins:` and `listeners:` in opsroom.yaml. Listeners are checked here, at load time, so a bad
 * regex, a cron pattern that never fires or a misspelt event name is a config error with a line
 * number (`opsroom config check`), not a surprise at 9 a.m. on Monday.
 */
import { Cron } from 'croner';
import { z } from 'zod';

/** Events that belong to a room: a listener's reply goes to that room unless `room` says otherwise. */
export const ROOM_EVENT_NAMES = [
  'room.created',
  'room.updated',
  'member.joined',
  'member.left',
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.added',
  'reaction.removed',
  'message.pinned',
  'message.unpinned',
  'card.action',
] as const;

/** Events with no room of their own: a listener needs `room` to have somewhere to reply. */
export const GLOBAL_EVENT_NAMES = [
  'user.created',
  'user.roles_changed',
  'user.password_set',
  'token.created',
  'token.revoked',
  'session.created',
  'secret.set',
  'secret.removed',
  'job.queued',
  'job.started',
  'job.finished',
  'deploy.started',
  'deploy.finished',
  'deploy.locked',
  'deploy.unlocked',
] as const;

/** Every event a configured listener may name (checked against the typed catalogue in a test). */
export const LISTENABLE_EVENT_NAMES: readonly string[] = [...ROOM_EVENT_NAMES, ...GLOBAL_EVENT_NAMES];

const HEAR_SLASHED = /^\/(.*)\/([a-z]*)$/s;
const ALLOWED_FLAGS = /^[imsu]*$/;

/**
 * A `hear:` pattern as people write it in YAML: a JavaScript regex body (`disk (is )?full`), with an
 * optional `(?i)` prefix for case-insensitive matching as in most other tools, or in slashes with
 * flags (`/disk full/i`). `g` and `y` are refused: they make a shared regex remember its position.
 * Throws a SyntaxError that says what is wrong.
 */
export function compileHearPattern(text: string): RegExp {
  let body = text;
  let flags = '';
  const slashed = HEAR_SLASHED.exec(text);
  if (slashed) {
    body = slashed[1]!;
    flags = slashed[2]!;
  } else if (text.startsWith('(?i)')) {
    body = text.slice(4);
    flags = 'i';
  }
  if (!ALLOWED_FLAGS.test(flags)) throw new SyntaxError(`flags '${flags}' are not allowed (use i, m, s, u)`);
  if (body === '') throw new SyntaxError('the pattern is empty');
  return new RegExp(body, flags);
}

/** A `cron:` pattern (5 fields, or 6 with seconds first) and time zone; throws with croner's reason. */
export function checkCronPattern(pattern: string, timezone?: string): void {
  const cron = new Cron(pattern, timezone === undefined ? {} : { timezone });
  if (cron.nextRun(new Date(0)) === null) throw new Error('the pattern never fires');
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const username = z.string().regex(/^@?[a-z0-9][a-z0-9._-]{0,31}$/, { message: 'must be a username' });

const listenerSchema = z
  .strictObject({
    /** Stable name for exactly-once claims across nodes; default `config:<position>`. */
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,80}$/)
      .optional(),
    /** A regex tested against every message (not the bot's own). */
    hear: z.string().min(1).max(1000).optional(),
    /** A cron pattern (croner syntax), evaluated in `timezone` (default UTC). */
    cron: z.string().min(1).max(200).optional(),
    /** An event name such as `message.pinned` or `secret.set`. */
    on: z.string().optional(),
    timezone: z.string().min(1).optional(),
    /** Room name (with or without '#'): where cron and global-event replies go; limits `hear` to it. */
    room: z.string().min(1).max(200).optional(),
    /** Whose permissions the command runs with. Required for cron and events; `hear` defaults to the author. */
    as: username.optional(),
    /** The command line to run, e.g. `disk /`; in `hear` lines `{{1}}` or `{{name}}` insert captures. */
    run: z.string().trim().min(1).max(4000),
  })
  .superRefine((spec, ctx) => {
    const triggers = (['hear', 'cron', 'on'] as const).filter((key) => spec[key] !== undefined);
    if (triggers.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          triggers.length === 0
            ? 'a listener needs one of hear:, cron: or on:'
            : `a listener has one trigger, not ${triggers.join(' and ')}`,
      });
      return;
    }
    if (spec.hear !== undefined) {
      try {
        compileHearPattern(spec.hear);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['hear'], message: `bad regex: ${(error as Error).message}` });
      }
    }
    if (spec.timezone !== undefined && !isTimeZone(spec.timezone)) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone '${spec.timezone}'` });
    } else if (spec.timezone !== undefined && spec.cron === undefined) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'timezone only applies to cron:' });
    }
    if (spec.cron !== undefined) {
      try {
        checkCronPattern(
          spec.cron,
          spec.timezone !== undefined && isTimeZone(spec.timezone) ? spec.timezone : undefined,
        );
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['cron'],
          message: `bad cron pattern: ${(error as Error).message}`,
        });
      }
      if (spec.room === undefined)
        ctx.addIssue({ code: 'custom', path: ['room'], message: 'cron: needs room:' });
    }
    if (spec.on !== undefined) {
      if (!LISTENABLE_EVENT_NAMES.includes(spec.on)) {
        ctx.addIssue({
          code: 'custom',
          path: ['on'],
          message: `unknown event '${spec.on}'; known events: ${LISTENABLE_EVENT_NAMES.join(', ')}`,
        });
      } else if (spec.room === undefined && !(ROOM_EVENT_NAMES as readonly string[]).includes(spec.on)) {
        ctx.addIssue({
          code: 'custom',
          path: ['room'],
          message: `'${spec.on}' does not belong to a room: add room: for the reply`,
        });
      }
    }
    if (spec.hear === undefined && spec.as === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['as'],
        message: 'as: is required: the user whose permissions the command runs with',
      });
    }
  })
  // The regex is compiled once here (it was checked above), so the listener gets a ready RegExp.
  .transform(({ hear, ...rest }) => ({
    ...rest,
    hear: hear === undefined ? undefined : compileHearPattern(hear),
  }));

export type ListenerConfig = z.output<typeof listenerSchema>;

/**
 * Spread into the root schema. `listeners:` with every entry commented out reads as an empty
 * section ({}): that is an empty list, not an error.
 */
export const pluginsConfigShape = {
  plugins: z
    .strictObject({
      /** Plugins (`*.ts`, `*.js`, `*.mjs`, or folders with an index) load from here, relative to the working directory. */
      dir: z.string().min(1).default('./plugins'),
    })
    .prefault({}),
  listeners: z
    .preprocess(
      (value) =>
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.keys(value).length === 0
          ? []
          : value,
      z.array(listenerSchema).max(1000),
    )
    // preprocess types its input as unknown; the cast keeps `listeners` typed for config literals.
    .default([]) as unknown as z.ZodDefault<z.ZodArray<typeof listenerSchema>>,
};
