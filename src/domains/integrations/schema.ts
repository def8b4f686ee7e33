import { z } from 'zod';

export const INTEGRATION_KINDS = [
  'alertmanager',
  'grafana',
  'generic',
  'github',
  'heartbeat',
  'slack',
] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

export const integrationSettingsSchema = z.object({
  /** Heartbeats: the longest silence before the alert fires. */
  intervalSeconds: z
    .number()
    .int()
    .min(10)
    .max(31 * 86_400)
    .optional(),
});
export type IntegrationSettings = z.infer<typeof integrationSettingsSchema>;

export const INTEGRATION_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export const createIntegrationBody = z.strictObject({
  kind: z.enum(INTEGRATION_KINDS),
  /** The room its alerts and messages go to (routes may send alerts elsewhere). */
  room: z.string().min(1).max(81).optional(),
  name: z
    .string()
    .regex(INTEGRATION_NAME, { message: 'a name is lower-case letters, digits, ., - and _' })
    .optional(),
  intervalSeconds: z
    .number()
    .int()
    .min(10)
    .max(31 * 86_400)
    .optional(),
});
export type CreateIntegrationInput = z.input<typeof createIntegrationBody>;

export const integrationViewSchema = z.object({
  id: z.string(),
  kind: z.enum(INTEGRATION_KINDS),
  name: z.string(),
  roomId: z.string().nullable(),
  roomName: z.string().nullable(),
  settings: integrationSettingsSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type IntegrationView = z.infer<typeof integrationViewSchema>;

export const createdIntegrationSchema = z.object({
  integration: integrationViewSchema,
  /** Where the sender posts. For token kinds it holds the token: shown once, stored hashed. */
  url: z.string(),
  token: z.string().optional(),
  /** GitHub: the webhook secret to paste into GitHub (HMAC-SHA256 key), shown once. */
  secret: z.string().optional(),
});
export type CreatedIntegration = z.infer<typeof createdIntegrationSchema>;

/** The server-side view, with what authentication needs. */
export interface Integration extends IntegrationView {
  secretName: string | null;
}
