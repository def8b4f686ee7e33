import { z } from 'zod';
import { actionsConfigSchema } from './actions-schema.js';
import { alertsConfigSchema } from './alerts-schema.js';
import { appsConfigSchema } from './apps-schema.js';
import { pluginsConfigShape } from './plugins-schema.js';
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
      /** The built web app served at `/`; default `dist/web` of the installation. */
      webDir: z.string().min(1).optional(),
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
      /** Commands each user may run per minute (a burst of `rateLimitBurst` is allowed); 0 turns it off. */
      rateLimitPerMinute: z.number().int().min(0).max(100_000).default(120),
      rateLimitBurst: z.number().int().min(1).max(10_000).default(30),
      /** How long a `confirm` proposal waits for its requester. */
      confirmTtlSeconds: z.number().int().min(10).max(86_400).default(300),
      /** How long an approval request waits for someone else to approve it. */
      approvalTtlSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 86_400)
        .default(1800),
    })
    .prefault({}),
  jobs: z
    .strictObject({
      /** Jobs that may run at once on this server; more wait in a queue. */
      concurrency: z.number().int().min(1).max(1000).default(8),
      /** A command without its own timeout is stopped after this long. */
      defaultTimeoutSeconds: z.number().int().min(1).max(86_400).default(600),
      /** At most one update of a job's live card per interval while output streams. */
      cardIntervalMs: z.number().int().min(100).max(60_000).default(1000),
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
      /** The largest file a user may upload (stored under `<dataDir>/files/`). */
      maxFileBytes: z
        .number()
        .int()
        .min(1)
        .max(2 * 1024 ** 3)
        .default(25 * 1024 * 1024),
    })
    .prefault({}),
  policy: policyConfigSchema,
  alerts: alertsConfigSchema,
  /** Deployable apps and their environments (see apps-schema.ts). */
  apps: appsConfigSchema,
  ...pluginsConfigShape,
});

export type OpsroomConfig = z.infer<typeof configSchema>;
export type OpsroomConfigInput = z.input<typeof configSchema>;
