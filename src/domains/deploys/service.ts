/**
 * The rules of deploying: locks (who, why, when), the checks a deploy must pass (rooms, locks, freezes,
 * forcing), the history per app and environment, rollback targets, "what changed", and recording each
 * deploy's start and end with its events. The job itself is run by deploy-job.ts through the bot.
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import type { AuditEntry } from '../audit/schema.js';
import { auditActor } from '../audit/service.js';
import type { CommandRefusal } from '../bot/command.js';
import type { Policy } from '../policy/policy.js';
import type { Apps, Target } from './apps.js';
import { describeLock } from './cards.js';
import { activeFreeze, describeFreeze } from './freeze.js';
import { hostsProblem, refProblem } from './refs.js';
import type { DeployLockView, DeployView } from './schema.js';
import { type DeployRow, DeployStore, deployView, lockView } from './store.js';
import type { DeployStatus } from './table.js';
import './events.js';

export interface DeployServiceDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  apps: Apps;
  policy: Policy;
  audit: (entry: AuditEntry) => void;
}

/** What a deploy line asks for, once parsed and resolved. */
export interface DeployPlan {
  target: Target;
  task: string;
  ref: string;
  hosts: string | undefined;
  forced: boolean;
  rollbackOf?: number;
}

export class DeployService {
  readonly store: DeployStore;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly deps: DeployServiceDeps) {
    this.store = new DeployStore(deps.db);
  }

  /**
   * Keeps a deploy's body countable: a cancelled or interrupted job ends at once for the job runner, but
   * its deploy still records how it ended, and shutdown waits for that (`drain`).
   */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => {});
    return work;
  }

  /**
   * Runs deploy bodies of one app and environment one after the other. The job lock already does that,
   * except just after a cancel: the job ends at once while its script is still being stopped, and the
   * next deploy must not start before it has.
   */
  exclusive<T>(key: string, body: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(body);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get apps(): Apps {
    return this.deps.apps;
  }

  /**
   * Why this deploy may not run now, or undefined. Checked before anything is proposed or queued, and
   * again when the job starts (a lock or a freeze may have begun while it waited).
   */
  async refusal(
    plan: DeployPlan,
    actor: Actor,
    roomName: string | undefined,
  ): Promise<CommandRefusal | undefined> {
    const { target } = plan;
    const bad = refProblem(plan.ref);
    if (bad !== undefined)
      return { outcome: 'usage', text: `The ref \`${shownValue(plan.ref)}\` is not valid: it ${bad}.` };
    if (plan.hosts !== undefined) {
      const badHosts = hostsProblem(plan.hosts);
      if (badHosts !== undefined)
        return {
          outcome: 'usage',
          text: `The hosts \`${shownValue(plan.hosts)}\` are not valid: they ${badHosts}.`,
        };
    }
    const rooms = target.env.rooms;
    if (rooms !== undefined && (roomName === undefined || !rooms.includes(roomName))) {
      return {
        outcome: 'denied',
        text: `\`${target.app}\` can be deployed to ${target.environment} only from ${rooms.map((r) => `#${r}`).join(', ')}.`,
      };
    }
    const lock = await this.store.lock(target.app, target.environment);
    if (lock && lock.lockedById !== actor.userId) {
      return {
        outcome: 'denied',
        text: `${describeLock(lockView(lock), this.deps.clock.nowMs())} Ask @${lock.lockedBy}, or \`unlock ${target.app} in ${target.environment}\` when it is safe.`,
      };
    }
    // Rollbacks restore what ran before, which is what a freeze protects: they are allowed through it.
    const freeze =
      plan.rollbackOf === undefined ? activeFreeze(target.env.freeze, this.deps.clock.nowMs()) : undefined;
    if (freeze !== undefined) {
      if (!plan.forced) {
        return {
          outcome: 'denied',
          text: `\`${target.app}\` ${target.environment} is ${describeFreeze(freeze)}. To deploy anyway, use \`deploy!\` (needs \`${target.forcePermission}\`).`,
        };
      }
      const mayForce = this.deps.policy.allows(actor, {
        permission: target.forcePermission,
        command: 'deploy',
        args: { app: target.app, env: target.environment },
        ...(roomName === undefined ? {} : { room: roomName }),
      });
      if (!mayForce) {
        return {
          outcome: 'denied',
          text: `\`${target.app}\` ${target.environment} is ${describeFreeze(freeze)}, and forcing a deploy through it needs \`${target.forcePermission}\`, which you do not have.`,
        };
      }
    }
    return undefined;
  }

  /** Whether the environment is frozen now (the forced deploy is audited as such). */
  frozen(target: Target): boolean {
    return activeFreeze(target.env.freeze, this.deps.clock.nowMs()) !== undefined;
  }

  async lock(actor: Actor, target: Target, reason: string): Promise<DeployLockView> {
    const row = {
      app: target.app,
      environment: target.environment,
      reason,
      lockedBy: actor.username,
      lockedById: actor.userId,
      lockedAt: this.deps.clock.now().toISOString(),
    };
    if (!(await this.store.insertLock(row))) {
      const existing = await this.store.lock(target.app, target.environment);
      if (existing) throw new ConflictError(describeLock(lockView(existing), this.deps.clock.nowMs()));
    }
    const view = lockView(row);
    this.deps.bus.publish('deploy.locked', { lock: view });
    this.deps.audit({
      ...auditActor(actor),
      action: 'deploy.locked',
      decision: 'allowed',
      roomId: null,
      decidedBy: null,
      jobId: null,
      outcome: 'locked',
      detail: { ...view },
    });
    return view;
  }

  async unlock(actor: Actor, target: Target): Promise<DeployLockView> {
    const removed = await this.store.deleteLock(target.app, target.environment);
    if (!removed) throw new NotFoundError('Lock', `${target.app} in ${target.environment}`);
    const view = lockView(removed);
    this.deps.bus.publish('deploy.unlocked', { lock: view, by: actor.username });
    this.deps.audit({
      ...auditActor(actor),
      action: 'deploy.unlocked',
      decision: 'allowed',
      roomId: null,
      decidedBy: null,
      jobId: null,
      outcome: 'unlocked',
      detail: { ...view },
    });
    return view;
  }

  view(row: DeployRow): DeployView {
    return deployView(row);
  }

  async locks(): Promise<DeployLockView[]> {
    return (await this.store.locks()).map(lockView);
  }

  async history(app: string, environment: string | undefined, limit = 10): Promise<DeployView[]> {
    const rows = await this.store.history(
      { app, ...(environment === undefined ? {} : { environment }) },
      limit,
    );
    return rows.map(deployView);
  }

  async get(id: number): Promise<DeployView> {
    const row = await this.store.get(id);
    if (!row) throw new NotFoundError('Deploy', String(id));
    return deployView(row);
  }

  /** Deploys started since `sinceMs` (all apps, or one), newest first. */
  async changes(sinceMs: number, app: string | undefined): Promise<DeployView[]> {
    return (await this.store.since(new Date(sinceMs).toISOString(), app, 50)).map(deployView);
  }

  /** The last successful deploy here (tasks such as `migrate` do not count), for "commits since" and rollbacks. */
  async lastSucceeded(app: string, environment: string, beforeId?: number): Promise<DeployRow | undefined> {
    const rows = await this.store.history(
      {
        app,
        environment,
        status: 'succeeded',
        task: 'deploy',
        ...(beforeId === undefined ? {} : { beforeId }),
      },
      1,
    );
    return rows[0];
  }

  /**
   * What a rollback deploys: the deploy or ref named by `to` (`#12`, `12` or a ref), or else the last
   * successful deploy before the current one with a different ref or SHA.
   */
  async rollbackTarget(
    target: Target,
    to: string | undefined,
  ): Promise<
    { ok: true; ref: string; from: DeployRow | undefined; text: string } | { ok: false; text: string }
  > {
    const { app, environment } = target;
    const current = await this.lastSucceeded(app, environment);
    if (to !== undefined) {
      const id = /^#?(\d+)$/.exec(to)?.[1];
      if (id !== undefined) {
        const named = await this.store.get(Number(id));
        if (named && named.app === app && named.environment === environment) {
          return {
            ok: true,
            ref: named.sha ?? named.ref,
            from: current,
            text: `deploy #${named.id} (${named.ref})`,
          };
        }
        if (to.startsWith('#'))
          return { ok: false, text: `There is no deploy #${id} of \`${app}\` in ${environment}.` };
      }
      return { ok: true, ref: to, from: current, text: `\`${to}\`` };
    }
    if (!current)
      return { ok: false, text: `\`${app}\` has no successful deploy in ${environment} to roll back from.` };
    let beforeId = current.id;
    for (let i = 0; i < 50; i++) {
      const previous = await this.lastSucceeded(app, environment, beforeId);
      if (!previous) break;
      if (previous.ref !== current.ref || (previous.sha ?? '') !== (current.sha ?? '')) {
        return {
          ok: true,
          ref: previous.sha ?? previous.ref,
          from: current,
          text: `deploy #${previous.id} (${previous.ref})`,
        };
      }
      beforeId = previous.id;
    }
    return {
      ok: false,
      text: `\`${app}\` in ${environment} has no earlier successful deploy of another ref to roll back to; name one: \`rollback ${app} in ${environment} to <ref>\`.`,
    };
  }

  async begin(
    plan: DeployPlan,
    actor: Actor,
    jobId: number | null,
    approvedBy: string | null,
  ): Promise<DeployView> {
    const row = await this.store.insert({
      app: plan.target.app,
      environment: plan.target.environment,
      task: plan.task,
      ref: plan.ref,
      sha: /^[0-9a-f]{40}$/.test(plan.ref) ? plan.ref : null,
      hosts: plan.hosts ?? null,
      provider: plan.target.config.provider,
      status: 'running',
      jobId,
      requester: actor.username,
      requesterId: actor.userId,
      approvedBy,
      forced: plan.forced ? 1 : 0,
      rollbackOf: plan.rollbackOf ?? null,
      externalId: null,
      url: null,
      commits: null,
      summary: null,
      startedAt: this.deps.clock.now().toISOString(),
      finishedAt: null,
    });
    const view = deployView(row);
    this.deps.bus.publish('deploy.started', { deploy: view });
    if (plan.forced && this.frozen(plan.target)) {
      this.deps.audit({
        ...auditActor(actor),
        action: 'deploy.forced',
        decision: 'allowed',
        roomId: null,
        decidedBy: null,
        jobId: jobId === null ? null : String(jobId),
        outcome: 'forced through a freeze',
        detail: {
          deployId: view.id,
          app: view.app,
          environment: view.environment,
          ref: view.ref,
          permission: plan.target.forcePermission,
        },
      });
    }
    return view;
  }

  async note(
    id: number,
    facts: { sha?: string; externalId?: string; url?: string; commits?: string },
  ): Promise<void> {
    if (Object.keys(facts).length === 0) return;
    await this.store.update(id, facts);
  }

  async finish(id: number, status: DeployStatus, summary: string): Promise<DeployView | undefined> {
    const row = await this.store.update(id, {
      status,
      summary,
      finishedAt: this.deps.clock.now().toISOString(),
    });
    if (!row) return undefined;
    const view = deployView(row);
    this.deps.bus.publish('deploy.finished', { deploy: view });
    return view;
  }

  /** Deploys a stopped server left running are marked interrupted (their jobs are, too). */
  async recoverInterrupted(): Promise<void> {
    for (const row of await this.store.running()) {
      await this.finish(
        row.id,
        'interrupted',
        'The server stopped while this deploy was running; its outcome is unknown.',
      );
    }
  }
}

/** A value quoted in a reply, cut short and with backticks neutralised. */
export function shownValue(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return cut.replaceAll('`', "'");
}
