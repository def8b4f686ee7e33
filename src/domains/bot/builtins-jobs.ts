import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { elapsedMs, formatDuration } from '../jobs/card.js';
import type { JobView } from '../jobs/schema.js';
import type { JobService } from '../jobs/service.js';
import { type Command, defineCommand } from './command.js';
import type { BotReply } from './pipeline.js';
import type { Proposal, ProposalService } from './proposals/service.js';

export interface JobCommandDeps {
  jobs: JobService;
  proposals: ProposalService;
  clock: Clock;
  /** Runs a proposal that was just confirmed or approved (the dispatcher's runDecided). */
  runDecided: (proposal: Proposal, decider: Actor) => Promise<BotReply>;
}

const STATUS_ICON: Record<JobView['status'], string> = {
  queued: '⏳',
  running: '▶️',
  succeeded: '✅',
  failed: '❌',
  cancelled: '⏹️',
  timed_out: '⌛',
  interrupted: '⚠️',
};

function jobLine(job: JobView, nowMs: number): string {
  const elapsed = elapsedMs(job, nowMs);
  const took = elapsed === undefined ? '' : ` · ${formatDuration(elapsed)}`;
  const status = job.status === 'timed_out' ? 'timed out' : job.status;
  return `${STATUS_ICON[job.status]} #${job.id} \`${job.line.slice(0, 80)}\` · @${job.requester} · ${status}${took}`;
}

/** jobs, job, cancel, confirm, approve, deny: following and deciding work from chat. */
export function jobCommands(deps: JobCommandDeps): Command[] {
  const group = 'Jobs and approvals';
  const decided = async (proposal: Proposal, actor: Actor, verb: string) => {
    const reply = await deps.runDecided(proposal, actor);
    const text =
      reply.jobId === undefined
        ? reply.text
        : `${verb} \`${proposal.line}\`: job #${reply.jobId} is running${proposal.messageId ? ' (its card is the proposal above)' : ''}.`;
    return {
      text,
      ok: reply.outcome === 'ok' || reply.outcome === 'pending',
      ...(reply.jobId !== undefined && reply.done ? { job: { id: reply.jobId, done: reply.done } } : {}),
    };
  };
  return [
    defineCommand({
      name: 'jobs',
      group,
      summary: 'Running and recent jobs (yours, or everyone’s with jobs:read)',
      usage: ['jobs [{{status}}]'],
      args: {
        status: {
          type: 'enum',
          values: ['running', 'queued', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'],
        },
      },
      permission: 'bot:use',
      instant: true,
      examples: ['jobs', 'jobs failed'],
      run: async ({ args, actor }) => {
        const jobs = await deps.jobs.list(actor, {
          limit: 15,
          ...(args.status ? { status: args.status } : {}),
        });
        const whose = deps.jobs.seesAll(actor) ? 'Jobs' : 'Your jobs';
        if (jobs.length === 0) return `${whose}: none${args.status ? ` ${args.status}` : ''}.`;
        const now = deps.clock.nowMs();
        return [
          `${whose}, newest first:`,
          ...jobs.map((j) => jobLine(j, now)),
          'Type `job <id>` for a log.',
        ].join('\n');
      },
    }),
    defineCommand({
      name: 'job',
      group,
      summary: 'One job: status, who ran it, and its full log',
      usage: ['job {{id}}'],
      args: { id: { type: 'integer', required: true, min: 1, description: 'The job number' } },
      permission: 'bot:use',
      instant: true,
      examples: ['job 12'],
      run: async ({ args, actor }) => {
        const job = await deps.jobs.get(actor, args.id);
        const head = jobLine(job, deps.clock.nowMs());
        const exit = job.exitCode === null ? '' : `\nExit code ${job.exitCode}.`;
        const summary = job.summary ? `\n${job.summary}` : '';
        const output = job.output === '' ? '\n(no output)' : `\n\`\`\`\n${job.output.slice(-30_000)}\n\`\`\``;
        const cut =
          job.outputTruncated || job.output.length > 30_000 ? '\n(only the end of the log is shown)' : '';
        return `${head}${exit}${summary}${output}${cut}`;
      },
    }),
    defineCommand({
      name: 'cancel',
      group,
      summary: 'Stop a queued or running job (a script and all its children)',
      usage: ['cancel {{id}}'],
      args: { id: { type: 'integer', required: true, min: 1, description: 'The job number' } },
      permission: 'bot:use',
      instant: true,
      examples: ['cancel 12'],
      run: async ({ args, actor }) => {
        const job = await deps.jobs.cancel(actor, args.id);
        return `Job #${job.id} ${job.status === 'cancelled' ? 'cancelled' : `ended: ${job.status}`}.`;
      },
    }),
    defineCommand({
      name: 'confirm',
      group,
      summary: 'Confirm a risky command you asked for, with the code it gave you',
      usage: ['confirm {{nonce}}'],
      args: { nonce: { type: 'string', required: true, description: 'The code from the proposal' } },
      permission: 'bot:use',
      instant: true,
      examples: ['confirm 7f3a'],
      run: async ({ args, actor }) =>
        decided(await deps.proposals.confirm(args.nonce, actor), actor, 'Confirmed'),
    }),
    defineCommand({
      name: 'approve',
      group,
      summary: 'Approve someone else’s request to run a command',
      usage: ['approve {{nonce}}'],
      args: { nonce: { type: 'string', required: true, description: 'The code from the request' } },
      permission: 'bot:use',
      instant: true,
      examples: ['approve 7f3a'],
      run: async ({ args, actor }) =>
        decided(await deps.proposals.approve(args.nonce, actor), actor, 'Approved'),
    }),
    defineCommand({
      name: 'deny',
      group,
      summary: 'Refuse a request (or withdraw your own), with a reason',
      usage: ['deny {{nonce}} [{{reason}}]'],
      args: {
        nonce: { type: 'string', required: true, description: 'The code from the request' },
        reason: { type: 'string', rest: true, description: 'Why' },
      },
      permission: 'bot:use',
      instant: true,
      examples: ['deny 7f3a "not during the sale"'],
      run: async ({ args, actor }) => {
        const p = await deps.proposals.deny(args.nonce, actor, args.reason);
        return p.status === 'cancelled'
          ? `Withdrawn: \`${p.line}\` will not run.`
          : `Denied: \`${p.line}\` will not run${p.reason ? ` (${p.reason})` : ''}.`;
      },
    }),
  ];
}
