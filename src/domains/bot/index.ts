import type { Kysely } from 'kysely';
import { type Actor, SYSTEM_ACTOR, type TokenScope } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import type { AuditService } from '../audit/service.js';
import type { ChatDomain } from '../chat/index.js';
import type { IdentityService } from '../identity/service.js';
import type { ChunkRedactor } from '../jobs/output.js';
import { JobRunner } from '../jobs/runner.js';
import { JobService } from '../jobs/service.js';
import { JobStore } from '../jobs/store.js';
import { policyCommands } from '../policy/commands.js';
import type { ExplainablePolicy } from '../policy/policy.js';
import { type Addressing, compileAddressing } from './addressing.js';
import { botMessages } from './bot-messages.js';
import { builtInCommands } from './builtins.js';
import { inspectCommands } from './builtins-inspect.js';
import { jobCommands } from './builtins-jobs.js';
import { attachCardActions } from './card-actions.js';
import { startClaimPruner } from './claim-pruner.js';
import { BotDispatcher } from './dispatcher.js';
import { knownEntities } from './entity-args.js';
import type { BotReply, Run } from './pipeline.js';
import { proposalCard } from './proposals/card.js';
import { type Proposal, ProposalService } from './proposals/service.js';
import { CommandRateLimiter } from './rate-limit.js';
import { CommandRegistry } from './registry.js';

export interface Bot {
  registry: CommandRegistry;
  dispatcher: BotDispatcher;
  jobs: JobService;
  proposals: ProposalService;
  actor: Actor;
  /** Resolves when every message seen so far is answered and every job started so far has ended. */
  idle(): Promise<void>;
  /** Stops listening, waits for replies in progress, and stops running jobs (recorded as interrupted). */
  stop(): Promise<void>;
}

export interface BotSettings extends Addressing {
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  confirmTtlSeconds: number;
  approvalTtlSeconds: number;
}

export interface JobSettings {
  concurrency: number;
  defaultTimeoutSeconds: number;
  cardIntervalMs: number;
}

export interface BotDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  chat: ChatDomain;
  identity: IdentityService;
  settings: BotSettings;
  jobSettings: JobSettings;
  policy: ExplainablePolicy;
  audit: Pick<AuditService, 'list'>;
  version: string;
  onError: (error: unknown, context: Record<string, unknown>) => void;
  redact: (text: string) => string;
  streamRedactor: () => ChunkRedactor;
  /** Told of every decision about a command that parsed: the audit trail. */
  onDecision?: (run: Run, reply: BotReply) => void;
  /** Told when a proposal is decided by someone or expires. */
  onProposal?: (proposal: Proposal) => void;
}

/** The bot user (created on first start), its command registry with the built-ins, jobs and the dispatcher. */
export async function startBot(deps: BotDeps): Promise<Bot> {
  const name = deps.settings.name;
  const existing = await deps.identity.store.userByUsername(name);
  const user =
    existing ??
    (await deps.identity.createUser(SYSTEM_ACTOR, {
      username: name,
      roles: ['member'],
      displayName: 'Opsroom bot',
    }));
  const actor: Actor = { userId: user.id, username: name, roles: ['member'], channel: 'system' };
  // Whoever wrote the line or pressed the button, with no more than their API token allowed, if any.
  const actorOf = async (userId: string, scopes?: readonly TokenScope[]) => {
    const row = await deps.identity.store.userById(userId);
    return row && row.disabledAt === null ? deps.identity.actorFor(row, 'web', scopes) : undefined;
  };
  const messages = botMessages(deps.chat, actor);
  const registry = new CommandRegistry();
  const jobStore = new JobStore(deps.db);
  const runner = new JobRunner({
    store: jobStore,
    clock: deps.clock,
    bus: deps.bus,
    cards: messages,
    streamRedactor: deps.streamRedactor,
    redact: deps.redact,
    concurrency: deps.jobSettings.concurrency,
    cardIntervalMs: deps.jobSettings.cardIntervalMs,
    onError: deps.onError,
  });
  const jobs = new JobService(jobStore, runner, deps.policy);
  const proposals = new ProposalService({
    db: deps.db,
    clock: deps.clock,
    policy: deps.policy,
    confirmTtlMs: deps.settings.confirmTtlSeconds * 1000,
    approvalTtlMs: deps.settings.approvalTtlSeconds * 1000,
    onChange: async (proposal) => {
      deps.onProposal?.(proposal);
      // A confirmed or approved proposal's card becomes the job's card; the others say how they ended.
      if (proposal.messageId === null || proposal.status === 'confirmed' || proposal.status === 'approved')
        return;
      await messages
        .update(proposal.messageId, proposalCard(proposal, deps.clock.nowMs()))
        .catch((error: unknown) => deps.onError(error, { proposal: proposal.nonce }));
    },
  });
  const dispatcher = new BotDispatcher({
    db: deps.db,
    clock: deps.clock,
    registry,
    chat: deps.chat,
    messages,
    bot: actor,
    addressed: compileAddressing(deps.settings),
    policy: deps.policy,
    jobs: runner,
    proposals,
    rateLimiter: new CommandRateLimiter(
      deps.clock,
      deps.settings.rateLimitPerMinute,
      deps.settings.rateLimitBurst,
    ),
    entities: knownEntities({
      userExists: async (username) => (await deps.identity.store.userByUsername(username)) !== undefined,
      roomExists: async (room) => (await deps.chat.rooms.describe(room)) !== undefined,
    }),
    defaultTimeoutMs: deps.jobSettings.defaultTimeoutSeconds * 1000,
    actorOf,
    onError: deps.onError,
    redact: deps.redact,
    ...(deps.onDecision ? { onDecision: deps.onDecision } : {}),
  });
  const startedAtMs = deps.clock.nowMs();
  const commands = [
    ...builtInCommands({
      registry,
      canRun: (who, command) => dispatcher.canSee(who, command),
      clock: deps.clock,
      version: deps.version,
      startedAtMs,
    }),
    ...policyCommands({
      registry,
      policy: deps.policy,
      clock: deps.clock,
      listUsers: async () => (await deps.identity.listUsers()).filter((u) => u.username !== name),
      roomNameOf: async (roomId) => (await deps.chat.rooms.describe(roomId))?.name,
    }),
    ...inspectCommands({
      registry,
      clock: deps.clock,
      audit: deps.audit,
      policy: deps.policy,
      roomName: async (id) => (await deps.chat.rooms.describe(id))?.name,
    }),
    ...jobCommands({
      jobs,
      proposals,
      clock: deps.clock,
      runDecided: (proposal, decider) => dispatcher.runDecided(proposal, decider),
    }),
  ];
  for (const command of commands) registry.register(command);
  await runner.recoverInterrupted();
  await proposals.recover();
  const detachMessages = dispatcher.attach(deps.bus);
  const claimPruner = startClaimPruner({
    db: deps.db,
    clock: deps.clock,
    onError: (error) => deps.onError(error, { task: 'prune bot claims' }),
  });
  const detachActions = attachCardActions({
    bus: deps.bus,
    dispatcher,
    messages,
    actorOf,
    roomNameOf: async (roomId) => (await deps.chat.rooms.describe(roomId))?.name,
    threadOf: async (messageId) =>
      (await deps.chat.messages.get(actor, messageId).catch(() => undefined))?.threadId ?? undefined,
  });
  const idle = async () => {
    await dispatcher.drain();
    await runner.drain();
    await dispatcher.drain();
  };
  return {
    registry,
    dispatcher,
    jobs,
    proposals,
    actor,
    idle,
    async stop() {
      detachMessages();
      detachActions();
      await claimPruner.stop();
      await dispatcher.drain();
      proposals.stop();
      await runner.stop();
    },
  };
}
