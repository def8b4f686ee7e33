import { z } from 'zod';
import { ROLE_NAME, TOKEN_SCOPES } from '../../core/actor.js';
import { handle, labelText } from '../../core/text.js';

export const usernameSchema = handle('username', 32);
/**
 * A role name's shape. Which names exist (built-in plus `policy.roles` in opsroom.yaml) is the identity
 * service's check, so an unknown role is refused with the list of valid ones.
 */
export const roleSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(ROLE_NAME, { message: 'a role is a-z, 0-9, - and _, starting with a letter (at most 32)' });
const MAX_ROLES = 20;
export const passwordSchema = z
  .string()
  .min(8, { message: 'password must be at least 8 characters' })
  .max(256, { message: 'password must be at most 256 characters' });

export const userViewSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  hasPassword: z.boolean(),
  createdAt: z.string(),
  disabled: z.boolean(),
});
export type UserView = z.infer<typeof userViewSchema>;

export const createUserBody = z.strictObject({
  username: usernameSchema,
  displayName: labelText(100).optional(),
  roles: z.array(roleSchema).min(1).max(MAX_ROLES).optional(),
  password: passwordSchema.optional(),
});
export type CreateUserInput = z.infer<typeof createUserBody>;

export const setRolesBody = z.strictObject({ roles: z.array(roleSchema).min(1).max(MAX_ROLES) });

export const loginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export const setupBody = z.strictObject({ token: z.string().min(1).max(200), password: passwordSchema });

export const tokenScopeSchema = z.enum(TOKEN_SCOPES);
export const createTokenBody = z.strictObject({
  /** Whose token; defaults to the caller. Only admins may name someone else. */
  username: usernameSchema.optional(),
  name: labelText(100).default('cli'),
  scopes: z.array(tokenScopeSchema).min(1).max(TOKEN_SCOPES.length).optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenInput = z.input<typeof createTokenBody>;

export const tokenViewSchema = z.object({
  id: z.string(),
  userId: z.string(),
  username: z.string(),
  name: z.string(),
  scopes: z.array(tokenScopeSchema),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type TokenView = z.infer<typeof tokenViewSchema>;

export const createdTokenSchema = tokenViewSchema.extend({
  /** The secret itself: shown once, stored only as a hash. */
  token: z.string(),
});
export type CreatedToken = z.infer<typeof createdTokenSchema>;

export const sessionViewSchema = z.object({ user: userViewSchema, csrfToken: z.string() });
