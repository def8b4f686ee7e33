/**
 * Manifest parameters → the bot's argument specs (domains/bot/arg-types.ts), so an action's arguments
 * are parsed, checked and shown in help exactly like a built-in command's. Defaults are written as a
 * person would type them (`15m`, `now-1h`, `@alice`) and go through the same coercion as typed text.
 */
import { type ArgSpec, type ArgSpecs, coerceArg } from '../../domains/bot/arg-types.js';
import { parseDuration } from '../../domains/bot/duration.js';
import type { ParamManifest } from './manifest-schema.js';

export interface ParamProblem {
  /** Path inside the manifest, e.g. ['params', 'path', 'default']. */
  path: (string | number)[];
  message: string;
}

const ONLY_FOR: Partial<Record<keyof ParamManifest, readonly string[]>> = {
  values: ['enum'],
  min: ['integer', 'number', 'duration'],
  max: ['integer', 'number', 'duration'],
  rest: ['string'],
  maxLength: ['string'],
  pattern: ['string'],
};

/** Converts every parameter; problems name the parameter and the key at fault. */
export function toArgSpecs(params: Record<string, ParamManifest>): {
  args: ArgSpecs;
  problems: ParamProblem[];
} {
  const args: ArgSpecs = {};
  const problems: ParamProblem[] = [];
  for (const [name, param] of Object.entries(params)) {
    const at = (key?: string): (string | number)[] => (key ? ['params', name, key] : ['params', name]);
    const before = problems.length;
    for (const [key, kinds] of Object.entries(ONLY_FOR)) {
      if (param[key as keyof ParamManifest] !== undefined && !kinds.includes(param.type)) {
        problems.push({
          path: at(key),
          message: `\`${key}\` does not apply to ${/^[aeiou]/.test(param.type) ? 'an' : 'a'} ${param.type} parameter`,
        });
      }
    }
    if (param.type === 'enum' && param.values === undefined) {
      problems.push({ path: at('type'), message: 'an enum parameter needs `values: [a, b, …]`' });
    }
    if (param.required && param.default !== undefined) {
      problems.push({ path: at('required'), message: 'a required parameter cannot have a default' });
    }
    const bounds = { min: bound(param, 'min', at, problems), max: bound(param, 'max', at, problems) };
    let pattern: RegExp | undefined;
    if (param.pattern !== undefined) {
      try {
        // Anchored: the whole value must match, not just some part of it.
        pattern = new RegExp(`^(?:${param.pattern})$`);
      } catch (error) {
        problems.push({
          path: at('pattern'),
          message: `not a regular expression: ${(error as Error).message}`,
        });
      }
    }
    if (problems.length > before) continue;
    const spec = {
      type: param.type,
      ...(param.description !== undefined && { description: param.description }),
      ...(param.required !== undefined && { required: param.required }),
      ...(param.values !== undefined && { values: param.values }),
      ...(bounds.min !== undefined && { min: bounds.min }),
      ...(bounds.max !== undefined && { max: bounds.max }),
      ...(param.rest !== undefined && { rest: param.rest }),
      ...(param.maxLength !== undefined && { maxLength: param.maxLength }),
      ...(pattern !== undefined && { pattern }),
    } as ArgSpec;
    if (param.default !== undefined) {
      const coerced = coerceArg(name, spec, String(param.default), 0);
      if (!coerced.ok) {
        problems.push({ path: at('default'), message: coerced.message });
        continue;
      }
      // A time default stays an expression ('now-1h'), evaluated at each run.
      (spec as { default?: unknown }).default = spec.type === 'time' ? String(param.default) : coerced.value;
    }
    args[name] = spec;
  }
  return { args, problems };
}

function bound(
  param: ParamManifest,
  key: 'min' | 'max',
  at: (key: string) => (string | number)[],
  problems: ParamProblem[],
): number | undefined {
  const value = param[key];
  if (value === undefined) return undefined;
  if (param.type === 'duration') {
    const parsed = typeof value === 'string' ? parseDuration(value) : undefined;
    if (parsed?.ok) return parsed.ms;
    problems.push({ path: at(key), message: 'must be a duration such as 30s or 5m' });
    return undefined;
  }
  if (typeof value !== 'number') {
    problems.push({ path: at(key), message: 'must be a number' });
    return undefined;
  }
  return value;
}
