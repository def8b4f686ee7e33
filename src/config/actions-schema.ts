import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The `actions:` section of opsroom.yaml: where script and HTTP actions live and whether the server
 * watches them. The folder is resolved here, once, against the server's working directory, so nothing
 * else has to know about `process.cwd()`.
 */
export const actionsConfigSchema = z
  .strictObject({
    /** Folder of `<name>/action.yaml` manifests; relative paths are from the server's working directory. */
    dir: z
      .string()
      .min(1)
      .default('./actions')
      .transform((dir) => resolve(dir)),
    /** Reload actions when their manifests change (hot reload). */
    watch: z.boolean().default(true),
  })
  .prefault({});

export type ActionsConfig = z.infer<typeof actionsConfigSchema>;
