import { z } from 'zod';
import { pluginsConfigShape } from './plugins-schema.js';
import { actionsConfigSchema } from './actions-schema.js';
import { policyConfigSchema } from './policy-schema.js';

/** The shape of opsroom.yaml. Every key is optional: Opsroom runs on these defaults with no file at all. */
export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** The address people use to reach Opsroom; printed in the first-run setup link. */
      publicUrl: z.url().optional(),
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(1024 * 1024),
      trustProxy: z.boolean().default(false),
      shutdownGraceMs: z.number().int().min(0).max(120_000).default(10_000),
    })
    .prefault({}),
  storage: z
    .strictObject({
      dataDir: z.string().min(1).default('./data'),
      /** `postgres://…` selects PostgreSQL; anything else (or nothing) is SQLite in dataDir. */
      databaseUrl: z.string().optional(),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  auth: z
    .strictObject({
      sessionTtlHours: z
        .number()
        .positive()
        .max(24 * 90)
        .default(24 * 7),
      cookieSecure: z.boolean().default(false),
      loginAttemptsPerMinute: z.number().int().min(1).max(1000).default(10),
    })
    .prefault({}),
  bot: z
    .strictObject({
      /** The bot's username; people address it as `@opsbot …` or `opsbot: …`. */
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_-]{1,31}$/)
        .default('opsbot'),
      aliases: z
        .array(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/))
        .max(10)
        .default([]),
      /** One-character prefixes that address the bot, e.g. `!deploy`. */
      prefixes: z.array(z.string().length(1)).max(5).default(['!', '/']),
    })
    .prefault({}),
  secrets: z
    .strictObject({
      /** The 32-byte AES key (base64 or hex); default `<dataDir>/secret.key`, made on first start. */
      keyFile: z.string().min(1).optional(),
    })
    .prefault({}),
  actions: actionsConfigSchema,
  chat: z
    .strictObject({
      maxMessageLength: z.number().int().min(1).max(1_000_000).default(40_000),
      maxRoomNameLength: z.number().int().min(1).max(200).default(80),
    })
    .prefault({}),
  policy: policyConfigSchema,
  ...pluginsConfigShape,
});

export type OpsroomConfig = z.infer<typeof configSchema>;
export type OpsroomConfigInput = z.input<typeof configSchema>;
