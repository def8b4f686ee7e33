import { join } from 'node:path';
import { sql } from 'kysely';
import { childEnvironment, readEnvironment } from './config/env.js';
import type { OpsroomConfig } from './config/index.js';
import { loadSecretKey } from './config/secret-key.js';
import { type Clock, SystemClock } from './core/clock.js';
import { IdGenerator } from './core/ids.js';
import { type AlertsDomain, startAlerts } from './domains/alerts/index.js';
import { startSlackCompat } from './domains/alerts/slack/index.js';
import { registerAuditRoutes } from './domains/audit/routes.js';
import { AuditService } from './domains/audit/service.js';
import { AuditSubscriber } from './domains/audit/subscriber.js';
import { commandAuditEntry, jobAuditEntry, proposalAuditEntry } from './domains/bot/audit-trail.js';
import { botMessages } from './domains/bot/bot-messages.js';
import { type Bot, startBot } from './domains/bot/index.js';
import { registerBotRoutes } from './domains/bot/routes.js';
import { registerFileAndReadRoutes } from './domains/chat/file-routes.js';
import { type ChatDomain, createChatDomain } from './domains/chat/index.js';
import { registerChatRoutes } from './domains/chat/routes.js';
import { createDeploys, type Deploys } from './domains/deploys/index.js';
import { Bootstrap } from './domains/identity/bootstrap.js';
import { LoginThrottle } from './domains/identity/login-throttle.js';
import { registerIdentityRoutes } from './domains/identity/routes.js';
import { IdentityService } from './domains/identity/service.js';
import { IdentityStore } from './domains/identity/store.js';
import type { IntegrationService } from './domains/integrations/service.js';
import { registerJobRoutes } from './domains/jobs/routes.js';
import { createPolicy } from './domains/policy/configured-policy.js';
import type { RouteApp } from './domains/route-context.js';
import { type SecretService, startSecrets } from './domains/secrets/index.js';
import { registerSecretRoutes } from './domains/secrets/routes.js';
import { registerOpsRoutes } from './http/ops-routes.js';
import { registerPages } from './http/pages.js';
import { createHttpServer } from './http/server.js';
import { registerWebApp } from './http/web-app.js';
import { attachWebSocketGateway } from './http/websocket-gateway.js';
import { type ActionLoader, actionsLogFor, startActions } from './plugins/actions/index.js';
import type { Plugin } from './plugins/sdk.js';
import { type PluginsAndListeners, startPluginsAndListeners } from './plugins/start-plugins.js';
import { batchedCounter } from './runtime/batched-counter.js';
import { type EventBus, InProcessEventBus } from './runtime/event-bus.js';
import { createLogger, type Logger } from './runtime/logger.js';
import { Metrics } from './runtime/metrics.js';
import { type Database, openDatabase } from './storage/database.js';
import { migrateToLatest } from './storage/migrate.js';
import { VERSION } from './version.js';

export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  database?: Database;
  /** The 32-byte secrets key; otherwise OPSROOM_SECRET_KEY or the key file (made on first start). */
  secretKey?: Buffer;
  /** Plugin objects to load before those in `plugins.dir` (createTestBot uses this). */
  plugins?: readonly Plugin[];
}

export interface App {
  config: OpsroomConfig;
  clock: Clock;
  ids: IdGenerator;
  bus: EventBus;
  logger: Logger;
  database: Database;
  metrics: Metrics;
  identity: IdentityService;
  audit: AuditService;
  bootstrap: Bootstrap;
  chat: ChatDomain;
  /** Secrets; `secrets.redactor()` cuts their values from any output text. */
  secrets: SecretService;
  bot: Bot;
  /** Alert ingestion, the pipeline and one card per group (`alerts:` in opsroom.yaml). */
  alerts: AlertsDomain;
  /** Ways in for alerts and messages: hook URLs with hashed tokens, GitHub HMAC secrets. */
  integrations: IntegrationService;
  /** Deploys from chat: `app.deploys.service` (history, locks), `app.deploys.feed` (provider statuses). */
  deploys: Deploys;
  /** Hear, event and cron listeners (from plugins and `listeners:`) and the loaded plugins. */
  extensions: PluginsAndListeners;
  /** Script and HTTP actions loaded from `actions.dir` (hot-reloaded when `actions.watch`). */
  actions: ActionLoader;
  http: RouteApp;
  /** Listens on the configured host and port; resolves with the base URL. */
  start(): Promise<string>;
  /** Stops taking requests, lets in-flight ones finish, closes connections and the database. */
  close(): Promise<void>;
}

/** Opens the database and wires domains, runtime and HTTP. Used by `opsroom serve` and by tests. */
export async function buildApp(config: OpsroomConfig, overrides: AppOverrides = {}): Promise<App> {
  const clock = overrides.clock ?? new SystemClock();
  // Log lines and audit records pass through the secrets redactor once the secrets are loaded (below).
  let redactSecrets = (text: string) => text;
  const logger = overrides.logger ?? createLogger(config.log.level, (line) => redactSecrets(line));
  const ids = new IdGenerator(clock);
  const database =
    overrides.database ??
    openDatabase({ dataDir: config.storage.dataDir, databaseUrl: config.storage.databaseUrl });
  await migrateToLatest(database);

  const bus = new InProcessEventBus(clock, (error, type) =>
    logger.error({ err: error, event: type }, 'event handler failed'),
  );
  const metrics = new Metrics();
  metrics.observe(bus);
  const writeLock = database.writeLock;
  if (writeLock) metrics.observeWriteLockSteals(() => writeLock.stolenByAny);
  // Built-in roles, custom roles and scoped grants from `policy:`; the bot enforces it, `who can` reads it.
  const policy = createPolicy(config.policy);
  const identity = new IdentityService({
    store: new IdentityStore(database.db),
    clock,
    ids,
    bus,
    sessionTtlHours: config.auth.sessionTtlHours,
    roles: policy.roleNames,
    adminRoles: policy.adminRoles,
  });
  const audit = new AuditService({
    database,
    clock,
    redact: (text) => redactSecrets(text),
    onError: (error, action) => logger.error({ err: error, action }, 'audit record failed'),
  });
  const auditSubscriber = new AuditSubscriber({
    bus,
    audit,
    userIdOf: async (username) => (await identity.requireUser(username).catch(() => undefined))?.id,
  }).start();
  const bootstrap = new Bootstrap(identity, clock);
  const secrets = await startSecrets({
    db: database.db,
    key: overrides.secretKey ?? loadSecretKey(config, readEnvironment(), (m) => logger.warn(m)).key,
    clock,
    bus,
    onError: (error, context) => logger.error({ err: error, ...context }, 'a stored secret is unreadable'),
  });
  redactSecrets = (text) => secrets.redactor().redact(text);
  const chat = createChatDomain({
    database,
    db: database.db,
    clock,
    ids,
    bus,
    maxMessageLength: config.chat.maxMessageLength,
    filesDir: join(config.storage.dataDir, 'files'),
    maxFileBytes: config.chat.maxFileBytes,
  });

  const http = await createHttpServer({
    logger,
    ids,
    identity,
    metrics,
    bodyLimitBytes: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    version: VERSION,
  });
  let draining = false;
  registerOpsRoutes(
    http,
    {
      checkDatabase: async () => void (await sql`select 1`.execute(database.db)),
      isDraining: () => draining,
    },
    metrics,
    VERSION,
  );
  registerIdentityRoutes(http, {
    identity,
    bootstrap,
    throttle: new LoginThrottle(clock, config.auth.loginAttemptsPerMinute),
    cookieSecure: config.auth.cookieSecure,
  });
  // The web app, when built, is the landing and setup page too; otherwise the small built-in pages.
  if (!registerWebApp(http, { dir: config.server.webDir })) registerPages(http);
  registerAuditRoutes(http, audit);
  registerChatRoutes(http, chat, { maxMessageLength: config.chat.maxMessageLength });
  registerFileAndReadRoutes(http, chat);
  registerSecretRoutes(http, secrets);

  const countCommand = batchedCounter(metrics.commands, 'command', 'decision');
  const bot = await startBot({
    db: database.db,
    clock,
    bus,
    chat,
    identity,
    settings: config.bot,
    jobSettings: config.jobs,
    policy,
    audit,
    version: VERSION,
    onError: (error, context) => logger.error({ err: error, ...context }, 'bot failed'),
    redact: (text) => secrets.redactor().redact(text),
    streamRedactor: () => secrets.streamRedactor(),
    onDecision: (run, reply) => {
      countCommand(reply.command ?? 'unknown', reply.decision ?? reply.outcome);
      audit.enqueue(commandAuditEntry(run, reply), 'command.run');
    },
    onProposal: (proposal) => audit.enqueue(proposalAuditEntry(proposal), 'proposal'),
  });
  const stopJobAudit = bus.subscribe('job.finished', (event) => {
    const { job } = event.payload;
    metrics.jobsFinished.inc({ command: job.command, status: job.status });
    if (job.durationMs !== null) metrics.jobDuration.observe({ command: job.command }, job.durationMs / 1000);
    audit.enqueue(jobAuditEntry(job), 'job.finished');
  });
  registerJobRoutes(http, bot.jobs);
  registerBotRoutes(http, bot, (actor, ref) => chat.rooms.get(actor, ref), identity);
  // Deploys (`apps:` in opsroom.yaml): bot commands on the bot's jobs, locks and approvals; history; callbacks.
  const deploys = await createDeploys({
    db: database.db,
    clock,
    bus,
    apps: config.apps,
    policy,
    audit: (entry) => audit.enqueue(entry, entry.action),
    serverEnv: childEnvironment({}),
    renderSecrets: (text) => secrets.render(text),
    claim: (key) => bot.dispatcher.claim(key),
    approvedBy: async (actor, jobId) => (await bot.jobs.get(actor, jobId)).approvedBy,
    roomNameOf: async (roomId) => (await chat.rooms.describe(roomId))?.name,
    updateCard: (messageId, card) => botMessages(chat, bot.actor).update(messageId, card),
    publicUrl: config.server.publicUrl,
    onError: (error, context) => logger.error({ err: error, ...context }, 'deploy failed'),
  });
  for (const command of deploys.commands) bot.registry.register(command);
  deploys.registerRoutes(http);
  // Alerts (`alerts:`): integrations and their hooks, the pipeline, one card per group, commands, API.
  const alerts = await startAlerts({
    db: database.db,
    dialect: database.dialect,
    sqlite: database.sqlite,
    ingestThreadFile:
      database.sqlite && config.alerts.ingest_thread && !database.sqlite.memory
        ? database.sqlite.name
        : undefined,
    writeLock: database.writeLock,
    clock,
    ids,
    bus,
    chat,
    bot,
    secrets,
    policy,
    settings: config.alerts,
    http,
    baseUrl: () => {
      if (config.server.publicUrl) return config.server.publicUrl;
      const address = http.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      return `http://${config.server.host}:${port}`;
    },
    onError: (error, context) => logger.error({ err: error, ...context }, 'alerts failed'),
    audit: (entry) => audit.enqueue(entry, entry.action),
  });
  // Slack-compatible ways in: POST /hooks/slack/:token and POST /api/slack/chat.postMessage|chat.update.
  startSlackCompat(http, {
    chat,
    bot: bot.actor,
    authenticateToken: (token) => identity.authenticateToken(token, 'api'),
    authenticateIntegration: (kind, token) => alerts.integrations.authenticate(kind, token),
    maxMessageLength: config.chat.maxMessageLength,
    hookBodyLimit: config.alerts.max_body_bytes,
  });
  const extensions = await startPluginsAndListeners({
    database,
    clock,
    bus,
    chat,
    identity,
    bot,
    logger,
    redact: (text) => secrets.redactor().redact(text),
    dir: config.plugins.dir,
    listenerSpecs: config.listeners,
    plugins: overrides.plugins,
  });

  const closers: (() => Promise<void>)[] = [];
  // First in, so it runs last: audit records of anything the other closers trigger are still written.
  closers.push(() => auditSubscriber.close());
  const gateway = attachWebSocketGateway({
    server: http.server,
    identity,
    chat,
    db: database.db,
    bus,
    metrics,
    logger,
    ids,
  });
  closers.push(() => gateway.close());
  closers.push(async () => secrets.stop());
  // Before the bot in the list, so it runs after it: jobs interrupted by the shutdown are still audited.
  closers.push(async () => stopJobAudit());
  // Before the bot in the list, so it runs after it: deploys the shutdown interrupts are still recorded.
  closers.push(() => deploys.stop());
  closers.push(() => bot.stop());
  // Pushed after the bot, so it stops first: no listener posts through a stopped bot.
  closers.push(() => extensions.stop());
  // After the bot in the list, so it stops before it: no card is posted through a stopped bot.
  closers.push(() => alerts.stop());
  // Script and HTTP actions from `actions.dir` become bot commands, reloaded as their files change.
  const actions = startActions({
    dir: config.actions.dir,
    watch: config.actions.watch,
    registry: bot.registry,
    clock,
    serverEnv: childEnvironment({}),
    renderSecrets: (text, options) => secrets.render(text, options),
    log: actionsLogFor(logger),
  });
  closers.push(async () => actions.close());
  let closed = false;
  return {
    config,
    clock,
    ids,
    bus,
    logger,
    database,
    metrics,
    identity,
    audit,
    bootstrap,
    chat,
    secrets,
    bot,
    deploys,
    alerts,
    integrations: alerts.integrations,
    extensions,
    actions,
    http,
    async start() {
      const address = await http.listen({ host: config.server.host, port: config.server.port });
      return address.replace('[::1]', 'localhost');
    },
    async close() {
      if (closed) return;
      closed = true;
      draining = true;
      for (const close of closers.reverse()) await close();
      await http.close();
      if (!overrides.database) await database.close();
    },
  };
}
