/**
 * Argument kinds: how a command declares an argument, what TypeScript type the handler receives, and
 * how a typed word becomes that value (or a message saying what was expected). Defaults are typed
 * values, checked once when the command is defined, so a handler never sees a bad default.
 */
import { formatDuration, parseDuration } from './duration.js';
import { closest, didYouMean } from './suggest.js';

interface BaseArg {
  /** One line for help. */
  description?: string;
  /** A required argument has no default; the parser refuses a line without it. */
  required?: boolean;
}
export interface StringArg extends BaseArg {
  type: 'string';
  default?: string;
  /** Greedy: takes the rest of the line verbatim. Must be the last thing in every pattern using it. */
  rest?: boolean;
  pattern?: RegExp;
  maxLength?: number;
}
export interface IntegerArg extends BaseArg {
  type: 'integer';
  default?: number;
  min?: number;
  max?: number;
}
export interface NumberArg extends BaseArg {
  type: 'number';
  default?: number;
  min?: number;
  max?: number;
}
export interface BooleanArg extends BaseArg {
  type: 'boolean';
  default?: boolean;
}
/** Milliseconds; typed as `90s`, `15m`, `2h`, `1d`, `1h30m`. `min`/`max` are milliseconds too. */
export interface DurationArg extends BaseArg {
  type: 'duration';
  default?: number;
  min?: number;
  max?: number;
}
export interface EnumArg<V extends string = string> extends BaseArg {
  type: 'enum';
  values: readonly V[];
  default?: V;
}
/** A username: `@alice` or `alice` → 'alice'. */
export interface UserArg extends BaseArg {
  type: 'user';
  default?: string;
}
/** A room name: `#ops` or `ops` → 'ops'. */
export interface RoomArg extends BaseArg {
  type: 'room';
  default?: string;
}
/**
 * A moment, as a Date: `now`, `now-15m`, `now+2h`, `-15m`, `14:30` (today, UTC), `2026-01-31`
 * (midnight UTC) or ISO date-time (`2026-01-31T14:30`, UTC unless it carries `Z` or an offset).
 * The default is such an expression too, evaluated at parse time (e.g. 'now').
 */
export interface TimeArg extends BaseArg {
  type: 'time';
  default?: string;
}
export type ArgSpec =
  | StringArg
  | IntegerArg
  | NumberArg
  | BooleanArg
  | DurationArg
  | EnumArg
  | UserArg
  | RoomArg
  | TimeArg;
export type ArgKind = ArgSpec['type'];
export type ArgSpecs = Record<string, ArgSpec>;

/** The value a handler receives for an argument of this spec. */
export type ArgValue<S> = S extends { type: 'enum'; values: readonly (infer V)[] }
  ? V
  : S extends { type: 'integer' | 'number' | 'duration' }
    ? number
    : S extends { type: 'boolean' }
      ? boolean
      : S extends { type: 'time' }
        ? Date
        : string;

type AlwaysPresent<S> = S extends { required: true } ? true : S extends { default: unknown } ? true : false;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The handler's `args`: required or defaulted arguments are always there, the rest may be absent. */
export type ArgsOf<A extends ArgSpecs> = Simplify<
  { [K in keyof A as AlwaysPresent<A[K]> extends true ? K : never]: ArgValue<A[K]> } & {
    [K in keyof A as AlwaysPresent<A[K]> extends true ? never : K]?: ArgValue<A[K]>;
  }
>;

export type AnyArgValue = string | number | boolean | Date;

export type Coerced = { ok: true; value: AnyArgValue } | { ok: false; message: string };

const HANDLE = /^[a-z0-9][a-z0-9._-]*$/;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);

/** Quotes a user's value for an error message, cut short so a huge value cannot flood the reply. */
export function shown(raw: string): string {
  return `'${raw.length > 40 ? `${raw.slice(0, 37)}...` : raw}'`;
}

/** Turns the typed text into the argument's value; `nowMs` anchors relative times. */
export function coerceArg(name: string, spec: ArgSpec, raw: string, nowMs: number): Coerced {
  switch (spec.type) {
    case 'string': {
      if (raw.length === 0 && spec.required) return bad(name, raw, 'must not be empty');
      if (spec.maxLength !== undefined && raw.length > spec.maxLength) {
        return bad(name, raw, `must be at most ${spec.maxLength} characters`);
      }
      if (spec.pattern && !spec.pattern.test(raw)) return bad(name, raw, `must match ${spec.pattern}`);
      return { ok: true, value: raw };
    }
    case 'integer':
    case 'number': {
      const valid = spec.type === 'integer' ? INTEGER.test(raw) : NUMBER.test(raw);
      const value = Number(raw);
      if (!valid || !Number.isFinite(value)) {
        return bad(name, raw, spec.type === 'integer' ? 'must be a whole number' : 'must be a number');
      }
      if (spec.type === 'integer' && !Number.isSafeInteger(value)) return bad(name, raw, 'is too large');
      return inRange(name, value, spec.min, spec.max, String);
    }
    case 'boolean': {
      const word = raw.toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return bad(name, raw, 'must be yes or no (or true/false, on/off)');
    }
    case 'duration': {
      const parsed = parseDuration(raw);
      if (!parsed.ok) return bad(name, raw, parsed.reason);
      return inRange(name, parsed.ms, spec.min, spec.max, formatDuration);
    }
    case 'enum': {
      const lower = raw.toLowerCase();
      const found = spec.values.find((v) => v.toLowerCase() === lower);
      if (found !== undefined) return { ok: true, value: found };
      // `production` for `prod`: a typed word that starts with a value is as good a hint as a typo.
      const near = closest(raw, spec.values);
      const hint = didYouMean(
        near.length > 0 ? near : spec.values.filter((v) => lower.startsWith(v.toLowerCase())),
      );
      return {
        ok: false,
        message: `${name} must be one of ${spec.values.join(', ')} (got ${shown(raw)})${hint}`,
      };
    }
    case 'user':
    case 'room': {
      const sigil = spec.type === 'user' ? '@' : '#';
      const handle = (raw.startsWith(sigil) ? raw.slice(1) : raw).toLowerCase();
      const max = spec.type === 'user' ? 32 : 80;
      if (handle.length > max || !HANDLE.test(handle)) {
        return bad(
          name,
          raw,
          `must be a ${spec.type === 'user' ? 'username such as @alice' : 'room such as #ops'}`,
        );
      }
      return { ok: true, value: handle };
    }
    case 'time': {
      const at = parseTime(raw, nowMs);
      return at === undefined
        ? bad(name, raw, 'must be a time such as now, now-15m, 14:30, 2026-01-31 or 2026-01-31T14:30Z')
        : { ok: true, value: at };
    }
  }
}

function bad(name: string, raw: string, what: string): Coerced {
  return { ok: false, message: `${name} ${what} (got ${shown(raw)})` };
}

function inRange(
  name: string,
  value: number,
  min: number | undefined,
  max: number | undefined,
  show: (n: number) => string,
): Coerced {
  if (min !== undefined && value < min) {
    return { ok: false, message: `${name} must be at least ${show(min)} (got ${show(value)})` };
  }
  if (max !== undefined && value > max) {
    return { ok: false, message: `${name} must be at most ${show(max)} (got ${show(value)})` };
  }
  return { ok: true, value };
}

const RELATIVE = /^(?:now)?([+-])(.+)$/i;
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Parses the time forms described on TimeArg; undefined when the text is none of them. */
export function parseTime(raw: string, nowMs: number): Date | undefined {
  const text = raw.trim();
  if (text.toLowerCase() === 'now') return new Date(nowMs);
  const relative = RELATIVE.exec(text);
  if (relative) {
    const duration = parseDuration(relative[2]!);
    if (!duration.ok) return undefined;
    return checked(nowMs + (relative[1] === '-' ? -duration.ms : duration.ms));
  }
  const clock = CLOCK.exec(text);
  if (clock) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || s > 59) return undefined;
    const today = new Date(nowMs);
    return checked(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), h, m, s));
  }
  const iso = ISO.exec(text);
  if (!iso) return undefined;
  const [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  const [h, m, s] = [Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0)];
  const ms = iso[7] ? Math.round(Number(iso[7]) * 1000) : 0;
  if (month < 1 || month > 12 || h > 23 || m > 59 || s > 59) return undefined;
  let at = Date.UTC(year, month - 1, day, h, m, s, ms);
  // Date.UTC rolls 2026-02-30 over to March; a calendar date that does not exist is an error.
  if (new Date(at).getUTCDate() !== day) return undefined;
  const zone = iso[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2)) > 59) return undefined;
    at -= sign * offsetMin * 60_000;
  }
  return checked(at);
}

function checked(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** How an argument's type reads in help: `enum (staging, prod)`, `duration`, `@user`. */
export function describeKind(spec: ArgSpec): string {
  switch (spec.type) {
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'user':
      return '@user';
    case 'room':
      return '#room';
    case 'duration':
      return 'duration (90s, 15m, 2h, 1d)';
    case 'time':
      return 'time (now, now-15m, 14:30, ISO; UTC)';
    case 'string':
      return spec.rest ? 'text (rest of the line)' : 'string';
    default:
      return spec.type;
  }
}

/** A default as it reads in help and in patterns: durations as `15m`, others as typed. */
export function describeValue(spec: ArgSpec, value: unknown): string {
  if (spec.type === 'duration' && typeof value === 'number') return formatDuration(value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
