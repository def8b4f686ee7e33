import { z } from 'zod';
import { DEPLOY_STATUSES } from './table.js';

export const deployViewSchema = z.object({
  id: z.number().int(),
  app: z.string(),
  environment: z.string(),
  task: z.string(),
  ref: z.string(),
  sha: z.string().nullable(),
  hosts: z.string().nullable(),
  provider: z.string(),
  status: z.enum(DEPLOY_STATUSES),
  jobId: z.number().int().nullable(),
  requester: z.string(),
  approvedBy: z.string().nullable(),
  forced: z.boolean(),
  rollbackOf: z.number().int().nullable(),
  externalId: z.string().nullable(),
  url: z.string().nullable(),
  commits: z.array(z.object({ sha: z.string(), message: z.string(), author: z.string().nullable() })),
  summary: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
export type DeployView = z.infer<typeof deployViewSchema>;
export type DeployCommit = DeployView['commits'][number];

export const deployLockViewSchema = z.object({
  app: z.string(),
  environment: z.string(),
  reason: z.string(),
  lockedBy: z.string(),
  lockedAt: z.string(),
});
export type DeployLockView = z.infer<typeof deployLockViewSchema>;

export const deployListQuery = z.strictObject({
  app: z.string().min(1).max(40).optional(),
  environment: z.string().min(1).max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

/** The body of a webhook provider's status callback (`POST /hooks/deploys/:id`). */
export const deployCallbackBody = z.strictObject({
  state: z.enum(['queued', 'pending', 'in_progress', 'success', 'failure', 'error']),
  description: z.string().max(1000).optional(),
  sha: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/)
    .optional(),
  log_url: z.url().optional(),
  output: z.string().max(20_000).optional(),
});
export type DeployCallback = z.infer<typeof deployCallbackBody>;
