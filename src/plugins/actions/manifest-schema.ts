/**
 * The shape of an `action.yaml`: a script action (`run:`) or an HTTP action (`http:`). Strict like
 * opsroom.yaml, so a misspelt key is reported with its line instead of being ignored. Durations read as
 * people write them (`30s`, `5m`), sizes as `512KB` or `1MB` (binary: 1MB = 1 MiB).
 */
import { z } from 'zod';
import { parseDuration } from '../../domains/bot/duration.js';

export const MIB = 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT = MIB;
const MAX_OUTPUT_LIMIT = 256 * MIB;
const DAY_MS = 86_400_000;

export const ARG_KINDS = [
  'string',
  'integer',
  'number',
  'boolean',
  'duration',
  'enum',
  'user',
  'room',
  'time',
] as const;

/** A duration such as `30s`, `1h30m`, as milliseconds between `minMs` and `maxMs`. */
function duration(minMs: number, maxMs: number) {
  return z.string({ error: 'must be a duration such as 30s, 5m or 1h' }).transform((text, ctx) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: `'${text}' ${parsed.reason}` });
      return z.NEVER;
    }
    if (parsed.ms < minMs || parsed.ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be between ${minMs} ms and ${maxMs / DAY_MS} days` });
      return z.NEVER;
    }
    return parsed.ms;
  });
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: MIB, g: 1024 * MIB };

/** Bytes: a number, or text such as `512KB`, `1MB`, `1MiB` (all binary, so 1MB is 1,048,576 bytes). */
export function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const match = SIZE.exec(value.trim());
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? 'b')[0]!.toLowerCase()]!;
  const bytes = Math.round(Number(match[1]) * unit);
  return bytes > 0 ? bytes : undefined;
}

const size = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined || bytes > MAX_OUTPUT_LIMIT) {
    ctx.addIssue({ code: 'custom', message: `'${value}' must be a size such as 64KB or 1MB, at most 256MB` });
    return z.NEVER;
  }
  return bytes;
});

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z
  .string()
  .regex(ENV_NAME, 'must be an environment variable name (letters, digits and _)')
  .refine((name) => !name.toUpperCase().startsWith('OPSROOM_'), {
    message: 'OPSROOM_* variables are set by Opsroom itself',
  });

/** A parameter: `{ type: string }`, or just the type name (`path: string`). */
const paramSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { type: value } : value),
  z.strictObject({
    type: z.enum(ARG_KINDS),
    description: z.string().optional(),
    required: z.boolean().optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /** enum: the allowed values. */
    values: z.array(z.string().min(1)).min(1).optional(),
    /** integer and number: bounds; duration: bounds as durations (`1m`). */
    min: z.union([z.number(), z.string()]).optional(),
    max: z.union([z.number(), z.string()]).optional(),
    /** string: take the rest of the line. */
    rest: z.boolean().optional(),
    maxLength: z.number().int().positive().optional(),
    /** string: a regular expression the whole value must match. */
    pattern: z.string().min(1).optional(),
  }),
);
export type ParamManifest = z.infer<typeof paramSchema>;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const httpSchema = z.strictObject({
  method: z.preprocess((m) => (typeof m === 'string' ? m.toUpperCase() : m), z.enum(METHODS)).default('GET'),
  /** `https://host/path?q={{arg}}`: arguments are URL-encoded; the scheme and host are fixed text. */
  url: z.string().min(1),
  /** Header values may use `{{ secret.NAME }}` and `{{arg}}`. */
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'is not a header name'), z.string())
    .optional(),
  /** A JSON value; strings in it may use `{{arg}}` and `{{ secret.NAME }}`. */
  body: z.json().optional(),
  /** Per attempt. */
  timeout: duration(1, DAY_MS).default(10_000),
  /** Extra attempts after a 5xx answer, a network error or an attempt that timed out. */
  retries: z.number().int().min(0).max(10).default(2),
  /** Wait before the first retry; doubles for each further one. */
  backoff: duration(0, 10 * 60_000).default(500),
  /** What the bot says: `{{ response.status }}`, `{{ response.body.items.0.name }}`, `{{ args.name }}`. */
  reply: z.string().min(1).optional(),
});
export type HttpManifest = z.infer<typeof httpSchema>;

export const manifestSchema = z
  .strictObject({
    /** The command word; defaults to the folder's name. */
    name: z.string().optional(),
    summary: z.string().min(1),
    description: z.string().optional(),
    group: z.string().min(1).optional(),
    aliases: z.array(z.string()).optional(),
    usage: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    params: z.record(z.string(), paramSchema).optional(),
    examples: z.array(z.string()).optional(),
    permission: z.string().min(1),
    risk: z.enum(['none', 'confirm', 'approval']).optional(),
    rooms: z.array(z.string()).optional(),
    locks: z.array(z.string()).optional(),
    timeout: duration(1, DAY_MS).default(DEFAULT_TIMEOUT_MS),
    /** The program and its arguments; a path with a '/' is relative to the action's folder. */
    run: z
      .array(z.string().min(1), {
        error: 'must be a list: the program and its arguments, e.g. ["./run.sh"] (never a shell string)',
      })
      .min(1)
      .optional(),
    /** Working directory of the script, relative to the action's folder (default: the folder). */
    cwd: z.string().min(1).optional(),
    /** Names of the server's environment variables the script may see, besides PATH, HOME, LANG and the like. */
    passEnv: z.array(envName).optional(),
    /** Variables to set; values may use `{{arg}}` and `{{ secret.NAME }}`. */
    env: z.record(envName, z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    /** Output beyond this is not forwarded and the script is stopped. */
    maxOutput: size.default(DEFAULT_MAX_OUTPUT),
    http: httpSchema.optional(),
  })
  .superRefine((manifest, ctx) => {
    if ((manifest.run === undefined) === (manifest.http === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'an action needs exactly one of `run:` (a script) or `http:` (an HTTP call)',
      });
    }
    if (manifest.http !== undefined) {
      for (const key of ['cwd', 'passEnv', 'env'] as const) {
        if (manifest[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` is for scripts (\`run:\`) only` });
        }
      }
    }
  });

export type ActionManifest = z.infer<typeof manifestSchema>;
