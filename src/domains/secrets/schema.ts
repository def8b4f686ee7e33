import { z } from 'zod';
import { MIN_REDACTED_LENGTH } from './redactor.js';

export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_SECRET_BYTES = 64 * 1024;

export const secretNameSchema = z
  .string()
  .regex(SECRET_NAME, { message: 'a secret name is A-Z, 0-9 and _, starts with a letter, at most 64 long' });

export const secretValueSchema = z
  .string()
  // Shorter values cannot be redacted from output without mangling ordinary text.
  .min(MIN_REDACTED_LENGTH, {
    message: `a secret value must be at least ${MIN_REDACTED_LENGTH} characters, or it could not be redacted`,
  })
  .max(MAX_SECRET_BYTES, { message: `a secret value must be at most ${MAX_SECRET_BYTES} characters` });

export const setSecretBody = z.strictObject({ value: secretValueSchema });
export const secretParams = z.strictObject({ name: secretNameSchema });

/** What anyone may see of a secret: never its value. */
export const secretViewSchema = z.object({
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type SecretView = z.infer<typeof secretViewSchema>;
