import { z } from 'zod';
import { JOB_STATUSES } from './table.js';

export const jobViewSchema = z.object({
  id: z.number().int(),
  command: z.string(),
  line: z.string(),
  args: z.record(z.string(), z.unknown()),
  requester: z.string(),
  requesterId: z.string(),
  channel: z.string(),
  roomId: z.string().nullable(),
  threadId: z.string().nullable(),
  messageId: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  exitCode: z.number().int().nullable(),
  summary: z.string().nullable(),
  locks: z.array(z.string()),
  approvedBy: z.string().nullable(),
  cancelledBy: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  outputBytes: z.number().int(),
});
export type JobView = z.infer<typeof jobViewSchema>;

export const jobWithOutputSchema = jobViewSchema.extend({ output: z.string(), outputTruncated: z.boolean() });
export type JobWithOutput = z.infer<typeof jobWithOutputSchema>;

export const jobListQuery = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  requester: z.string().min(1).max(64).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});
export type JobListQuery = z.infer<typeof jobListQuery>;
