import { z } from 'zod';

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
  chat: z
    .strictObject({
      maxMessageLength: z.number().int().min(1).max(1_000_000).default(40_000),
      maxRoomNameLength: z.number().int().min(1).max(200).default(80),
    })
    .prefault({}),
});

export type OpsroomConfig = z.infer<typeof configSchema>;
export type OpsroomConfigInput = z.input<typeof configSchema>;
