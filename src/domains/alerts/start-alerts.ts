import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { ConflictError } from '../../core/errors.js';
import type { IdGenerator } from '../../core/ids.js';
import type { EventBus } from '../../runtime/event-bus.js';
import { PersistentScheduler } from '../../runtime/persistent-scheduler.js';
import type { Scheduler } from '../../runtime/scheduler.js';
import { GroupCommit } from '../../storage/group-commit.js';
import type { DB } from '../../storage/tables.js';
import type { WriteLock } from '../../storage/write-lock.js';
import type { AuditEntry } from '../audit/schema.js';
import { botMessages } from '../bot/bot-messages.js';
import type { CommandRegistry } from '../bot/registry.js';
import type { ChatDomain } from '../chat/index.js';
import { type ConfiguredIntegration, syncConfiguredIntegrations } from '../integrations/configured.js';
import { registerIntegrationRoutes } from '../integrations/routes.js';
import { type IntegrationDeps, IntegrationService } from '../integrations/service.js';
import type { Policy } from '../policy/policy.js';
import type { RouteApp } from '../route-context.js';
import { alertCommands } from './commands.js';
import { type DryRunResult, dryRun } from './dry-run.js';
import { FirstReads } from './first-reads.js';
import { FlapDetector } from './flap-detector.js';
import { GithubHook } from './github.js';
import { type HeartbeatSettings, Heartbeats } from './heartbeats.js';
import { AlertIngestion } from './ingest.js';
import { IngestThread } from './ingest-thread-client.js';
import type { Ingestion } from './ingestion-port.js';
import { Inhibitor, type InhibitRuleSpec } from './inhibition.js';
import { KnownAlerts } from './known-alerts.js';
import { noiseReport } from './noise.js';
import { GroupNotifier } from './notifier.js';
import { NotifyRateLimiter } from './notify-rate-limit.js';
import { type ReconcileSettings, SenderReconciler } from './reconcile.js';
import { registerAlertRoutes } from './routes.js';
import { registerHookRoutes } from './routes-hooks.js';
import { AlertRouter, type RouteSpec } from './routing.js';
import type { SilenceView } from './schema.js';
import { AlertService } from './service.js';
import { Silences } from './silences.js';
import { SqliteAlertStatements } from './sqlite-alert-statements.js';

/** The `alerts:` section as the domain reads it (config/alerts-schema.ts gives exactly this). */
export interface AlertsSettings {
  route: RouteSpec;
  inhibit_rules: InhibitRuleSpec[];
  heartbeats: Record<string, HeartbeatSettings & { interval: number }>;
  integrations: ConfiguredIntegration[];
  flap: { changes: number; window: number };
  rate_limit: { per_minute: number; burst: number };
  max_body_bytes: number;
  max_alerts_per_request: number;
  max_labels: number;
  github_max_age: number;
  reconcile: ReconcileSettings;
}

export interface AlertsDeps {
  db: Kysely<DB>;
  /** On SQLite this process is the only writer, so known alerts are indexed in memory. */
  dialect: 'sqlite' | 'postgres';
  /** The raw SQLite handle (absent on PostgreSQL): the hot ingest statements run on it, prepared once. */
  sqlite?: SqliteDatabase.Database | undefined;
  /**
   * The SQLite database file, when ingest runs in its own thread with its own connection
   * (ingest-thread.ts); absent on PostgreSQL, in memory, or when `alerts.ingest_thread` is off.
   */
  ingestThreadFile?: string | undefined;
  /** The SQLite database's write lock, shared with the ingest thread's connection. */
  writeLock?: WriteLock | undefined;
  clock: Clock;
  ids: IdGenerator;
  bus: EventBus;
  chat: ChatDomain;
  bot: { actor: Actor; registry: CommandRegistry };
  /** Named secrets; `render` fills `{{ secret.NAME }}` references (alerts.reconcile.auth). */
  secrets: IntegrationDeps['secrets'] & { render(template: string): Promise<string> };
  policy: Policy;
  settings: AlertsSettings;
  http: RouteApp;
  baseUrl: () => string;
  onError: (error: unknown, context: Record<string, unknown>) => void;
  /** Appends to the audit log (integrations, acks, silences, manual resolves). */
  audit?: (entry: AuditEntry) => void;
}

export interface AlertsDomain {
  integrations: IntegrationService;
  ingestion: Ingestion;
  /** SQLite: new groups' first reads on their way to the flush (first-reads.ts); `taken` counts them. */
  firstReads: FirstReads | undefined;
  service: AlertService;
  scheduler: Scheduler;
  heartbeats: Heartbeats;
  /** `alerts test`: what the pipeline would do with a JSON payload; nothing is stored. */
  dryRun(json: string): Promise<DryRunResult>;
  /** Resolves when no flush or timer is due now (tests, benchmarks). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const SILENCE_ENDED_TASK = 'alerts.silence-ended';
// The bot's policy stage has checked the permission, with the room, before a command runs.
const CHECKED_BY_THE_BOT: Policy = { allows: () => true, mayUse: () => true };

/** Wires integrations, the pipeline, cards, commands and routes; arms the stored timers. */
export async function startAlerts(deps: AlertsDeps): Promise<AlertsDomain> {
  const { db, clock, bus, chat, settings } = deps;
  const scheduler = new PersistentScheduler({
    db,
    clock,
    sqlite: deps.sqlite,
    onError: (error, task) => deps.onError(error, { task: task.key }),
  });
  const poster = botMessages(chat, deps.bot.actor);
  const roomOf = async (ref: string) => {
    const room = await chat.rooms.describe(ref);
    return room && { id: room.id, name: room.name };
  };
  const roomIds = new Map<string, string>();
  const roomId = async (name: string): Promise<string> => {
    const cached = roomIds.get(name);
    if (cached) return cached;
    let room = await roomOf(name);
    if (!room) {
      // A route names a room that does not exist yet: the bot makes it, so no alert is lost.
      try {
        room = await chat.rooms.create(deps.bot.actor, { name, kind: 'public', topic: 'Alerts' });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        room = await roomOf(name);
      }
    }
    if (!room) throw new Error(`room ${name} could not be made`);
    roomIds.set(name, room.id);
    return room.id;
  };

  const audit = (actor: Actor, action: string, detail: Record<string, string | number | null>) =>
    deps.audit?.({
      actor: actor.username,
      actorId: actor.userId,
      channel: actor.channel,
      action,
      decision: 'allowed',
      detail,
    });
  const integrations = new IntegrationService({
    audit,
    db,
    clock,
    ids: deps.ids,
    bus,
    roomOf,
    secrets: deps.secrets,
    baseUrl: deps.baseUrl,
    heartbeatIntervalMs: (name) => settings.heartbeats[name]?.interval,
  });
  const router = new AlertRouter(settings.route);
  const inhibitor = new Inhibitor(settings.inhibit_rules);
  if (!inhibitor.empty) {
    const firing = await db
      .selectFrom('alerts')
      .select(['id', 'labels'])
      .where('status', '=', 'firing')
      .execute();
    for (const a of firing) inhibitor.track(a.id, JSON.parse(a.labels) as Record<string, string>, true);
  }
  const silences = new Silences({ db, clock });
  await silences.load();
  const flap = new FlapDetector(clock, { changes: settings.flap.changes, windowMs: settings.flap.window });
  const threaded = deps.ingestThreadFile !== undefined && deps.writeLock !== undefined;
  // With the ingest thread, it owns the index of known alerts (it is the only writer of alerts).
  const known = deps.dialect === 'sqlite' && !threaded ? new KnownAlerts() : undefined;
  await known?.load(db, new Date(clock.nowMs() - 86_400_000).toISOString());
  const statements = deps.sqlite && new SqliteAlertStatements(deps.sqlite);
  // SQLite only: there the ingest hands new groups' first reads to the notifier (first-reads.ts).
  const firstReads = statements && new FirstReads();
  const reconciler = settings.reconcile.enabled
    ? new SenderReconciler({
        db,
        clock,
        scheduler,
        settings: settings.reconcile,
        integration: (id) => integrations.get(id),
        markResolved: (alerts) => ingestion.markResolved(alerts),
        flush: (groupIds) => notifier.request(groupIds),
        say: async (where, text) => {
          await poster.say(where, { text });
        },
        onError: deps.onError,
        renderSecret: (reference) => deps.secrets.render(reference),
      })
    : undefined;
  reconciler?.install();
  const limits = { maxAlerts: settings.max_alerts_per_request, maxLabels: settings.max_labels };
  const local = new AlertIngestion({
    known,
    statements,
    firstReads,
    db,
    clock,
    bus,
    scheduler,
    router: () => router,
    inhibitor,
    flap,
    roomId,
    limits,
    // When an inhibiting alert resolves, the alerts it muted speak again: their groups are flushed.
    afterResolved: async () => notifier.request(await openGroups(true)),
    senderSeen: reconciler && ((integration, url, address) => reconciler.seen(integration, url, address)),
  });
  const ingestion: Ingestion = threaded
    ? new IngestThread(
        {
          file: deps.ingestThreadFile!,
          route: settings.route,
          flap: settings.flap,
          limits,
          nowMs: clock.nowMs(),
          rooms: {},
          lockBuffer: deps.writeLock!.buffer,
        },
        { clock, local, limits, roomId, onError: deps.onError },
      )
    : local;
  const notifier = new GroupNotifier({
    statements,
    firstReads,
    db,
    commits: new GroupCommit(db, deps.sqlite),
    // On PostgreSQL other nodes may take the same group's deliveries (an HA pair behind a balancer).
    sharedDatabase: deps.dialect === 'postgres',
    clock,
    bus,
    scheduler,
    poster,
    silences,
    inhibitor,
    limiter: new NotifyRateLimiter(clock, {
      perMinute: settings.rate_limit.per_minute,
      burst: settings.rate_limit.burst,
    }),
  });
  notifier.install();

  const openGroups = async (onlyInhibited: boolean) => {
    let query = db.selectFrom('alertGroups as g').select('g.id').where('g.openKey', 'is not', null);
    if (onlyInhibited) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('alertGroupAlerts as m')
            .innerJoin('alerts as a', 'a.id', 'm.alertId')
            .select('a.id')
            .whereRef('m.groupId', '=', 'g.id')
            .where('a.muted', '=', 'inhibited'),
        ),
      );
    }
    return (await query.execute()).map((r) => r.id);
  };
  const onSilencesChanged = async (silence: SilenceView) => {
    await notifier.request(await openGroups(false));
    if (silence.active) {
      await scheduler.schedule({
        key: `silence-ended:${silence.id}`,
        kind: SILENCE_ENDED_TASK,
        dueMs: Date.parse(silence.endsAt),
      });
    }
  };
  scheduler.handle(SILENCE_ENDED_TASK, async () => {
    await silences.load();
    await notifier.request(await openGroups(false));
  });
  const markResolved = (alerts: { integrationId: string; fingerprint: string; startsAt: string }[]) =>
    ingestion.markResolved(alerts);
  const service = new AlertService({
    markResolved,
    db,
    clock,
    policy: deps.policy,
    notifier,
    silences,
    roomOf,
    onSilencesChanged,
  });
  const commandService = new AlertService({
    markResolved,
    db,
    clock,
    policy: CHECKED_BY_THE_BOT,
    notifier,
    silences,
    roomOf,
    onSilencesChanged,
    audit,
  });
  const heartbeats = new Heartbeats({
    scheduler,
    ingestion,
    integrations,
    clock,
    configured: (name) => settings.heartbeats[name],
  });
  heartbeats.install();
  const stopCreated = bus.subscribe('integration.created', (event) => {
    if (event.payload.kind !== 'heartbeat') return;
    void integrations
      .get(event.payload.id)
      .then((integration) => integration && heartbeats.arm(integration))
      .catch((error) => deps.onError(error, { step: 'arm heartbeat' }));
  });
  const github = new GithubHook({
    db,
    clock,
    bus,
    integrations,
    ingestion,
    maxAgeMs: settings.github_max_age,
    say: async (room, card) => poster.say({ roomId: room }, { card }),
  });

  const noise = (sinceMs: number) =>
    noiseReport(db, {
      since: new Date(clock.nowMs() - sinceMs).toISOString(),
      botUserId: deps.bot.actor.userId,
    });
  const runDry = (json: string) =>
    dryRun(
      { db, router, inhibitor, silences, nowMs: clock.nowMs(), defaultRoom: "the integration's room" },
      json,
    );
  // After the heartbeat subscription above, so heartbeats first made from the file are armed.
  await syncConfiguredIntegrations(
    {
      db,
      clock,
      ids: deps.ids,
      bus,
      roomId,
      resolveSecret: (name) => deps.secrets.resolve(name),
      heartbeatIntervalMs: (name) => settings.heartbeats[name]?.interval,
      onError: (error, context) => deps.onError(error, { ...context, step: 'alerts.integrations' }),
    },
    settings.integrations,
  );
  await registerHookRoutes(deps.http, {
    integrations,
    ingestion,
    github,
    heartbeats,
    maxBodyBytes: settings.max_body_bytes,
  });
  registerAlertRoutes(deps.http, { service, noise, dryRun: runDry });
  registerIntegrationRoutes(deps.http, integrations);
  for (const command of alertCommands({ service: commandService, clock, poster, noise, dryRun: runDry })) {
    deps.bot.registry.register(command);
  }
  await scheduler.start();

  return {
    integrations,
    ingestion,
    firstReads,
    service,
    scheduler,
    heartbeats,
    dryRun: runDry,
    idle: () => scheduler.idle(),
    async stop() {
      stopCreated();
      await ingestion.close();
      await scheduler.stop();
    },
  };
}
