import { z } from 'zod';

// C0 controls other than tab, newline and carriage return have no place in chat text, and PostgreSQL
// refuses NUL outright; lone surrogates cannot be stored as UTF-8.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Free text (messages, topics): well-formed Unicode, no control characters but \t \n \r. */
export function freeText(max: number) {
  return z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .refine((s) => s.isWellFormed(), { message: 'must be valid Unicode (no lone surrogates)' })
    .refine((s) => !FORBIDDEN_CONTROLS.test(s), { message: 'must not contain control characters' });
}

/** A single-line label (names, titles): no control characters at all. */
export function labelText(max: number) {
  return z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(max, { message: `must be at most ${max} characters` })
    .refine((s) => s.isWellFormed(), { message: 'must be valid Unicode (no lone surrogates)' })
    .refine((s) => !ANY_CONTROL.test(s), { message: 'must not contain control characters' });
}

/** Lower-case handle for users and rooms: letters, digits, dot, dash, underscore. */
export function handle(what: string, max: number) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .min(1, { message: `${what} must not be empty` })
    .max(max, { message: `${what} must be at most ${max} characters` })
    .regex(/^[a-z0-9][a-z0-9._-]*$/, {
      message: `${what} may only use a-z, 0-9, '.', '-' and '_', and must start with a letter or digit`,
    });
}
