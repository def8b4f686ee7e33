/**
 * `apps:` in opsroom.yaml: what people can deploy from chat, where, and how. Each app names a provider
 * (shell, github, kubernetes, webhook) and its environments; an environment carries its permission,
 * approval, allowed rooms, freeze windows, default ref and any provider setting it overrides. There
 * is no implicit environment: `deploy api` asks which one unless the app names `defaultEnvironment`.
 * Everything is checked here, so `opsroom config check` names the YAML line of a mistake.
 */
import { resolve } from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';

export const DEPLOY_PROVIDERS = ['shell', 'github', 'kubernetes', 'webhook'] as const;
export type DeployProviderName = (typeof DEPLOY_PROVIDERS)[number];

/** App and environment names: what people type, and part of lock names (`deploy:api:production`). */
export const DEPLOY_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
const name = z.string().regex(DEPLOY_NAME, { message: 'must be a lower-case word (a-z, 0-9, -, _)' });
const permission = z
  .string()
  .regex(/^[A-Za-z0-9_.:*-]{1,100}$/, { message: 'must be a permission such as deploy:prod' });
const secretTemplate = z.string().regex(/^\{\{\s*secret\.[A-Za-z0-9_]+\s*\}\}$/, {
  message: 'must be a secret reference: "{{ secret.NAME }}"',
});

/** A freeze window, normalised: an absolute range, or a cron start with a length. */
export type FreezeWindow =
  | { kind: 'range'; fromMs: number; toMs: number; reason: string | undefined; source: string }
  | {
      kind: 'cron';
      cron: string;
      durationMs: number;
      timezone: string;
      reason: string | undefined;
      source: string;
    };

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;
function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === '') return undefined;
  const [d, h, min] = [m[1], m[2], m[3]].map((v) => Number(v ?? 0)) as [number, number, number];
  const ms = ((d * 24 + h) * 60 + min) * 60_000;
  return ms > 0 ? ms : undefined;
}

function cronProblem(pattern: string, timezone: string): string | undefined {
  try {
    const cron = new Cron(pattern, { timezone });
    return cron.nextRun(new Date(0)) === null ? 'the pattern never matches' : undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;
function instant(text: string): number | undefined {
  if (!ISO_INSTANT.test(text)) return undefined;
  const ms = Date.parse(/T/.test(text) ? text : `${text}T00:00:00Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A freeze window: `"2026-12-24T00:00:00Z/2026-12-27T00:00:00Z"` (an ISO range; a date alone is midnight
 * UTC), a cron pattern whose every matching minute is frozen (`"* 16-23 * * 5"`: Friday evenings, UTC),
 * or an object `{ from, to, reason }` / `{ cron, duration: "62h", timezone, reason }`.
 */
const freezeSchema = z
  .union([
    z.string().min(1).max(200),
    z.strictObject({ from: z.string(), to: z.string(), reason: z.string().max(200).optional() }),
    z.strictObject({
      cron: z.string().min(1).max(200),
      duration: z.string().optional(),
      timezone: z.string().min(1).default('UTC'),
      reason: z.string().max(200).optional(),
    }),
  ])
  .transform((value, ctx): FreezeWindow => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    const range = (from: string, to: string, reason: string | undefined, source: string) => {
      const [fromMs, toMs] = [instant(from.trim()), instant(to.trim())];
      if (fromMs === undefined || toMs === undefined) {
        return fail(`'${source}' is not an ISO time range such as 2026-12-24T00:00:00Z/2026-12-27T00:00:00Z`);
      }
      if (toMs <= fromMs) return fail(`'${source}' ends before it starts`);
      return { kind: 'range' as const, fromMs, toMs, reason, source };
    };
    const cron = (
      pattern: string,
      duration: string | undefined,
      timezone: string,
      reason: string | undefined,
    ) => {
      const ms = duration === undefined ? 60_000 : durationMs(duration);
      if (ms === undefined) return fail(`duration '${duration}' must look like 62h, 2d, 90m or 1d12h`);
      const problem = cronProblem(pattern, timezone);
      if (problem !== undefined) return fail(`cron '${pattern}': ${problem}`);
      return { kind: 'cron' as const, cron: pattern, durationMs: ms, timezone, reason, source: pattern };
    };
    if (typeof value === 'string') {
      const slash = value.indexOf('/');
      if (slash > 0) return range(value.slice(0, slash), value.slice(slash + 1), undefined, value);
      return cron(value, undefined, 'UTC', undefined);
    }
    if ('from' in value) return range(value.from, value.to, value.reason, `${value.from}/${value.to}`);
    return cron(value.cron, value.duration, value.timezone, value.reason);
  });

const githubSettings = {
  /** REST API base, e.g. `https://github.example.com/api/v3` for GitHub Enterprise. */
  apiUrl: z.url().optional(),
  /** The token, as a secret reference: `"{{ secret.GITHUB_TOKEN }}"`. */
  token: secretTemplate.optional(),
  /** Status checks that must pass; omitted means GitHub's default (all of them); `[]` skips them. */
  requiredContexts: z.array(z.string().min(1).max(200)).max(50).optional(),
  autoMerge: z.boolean().optional(),
  productionEnvironment: z.boolean().optional(),
  transientEnvironment: z.boolean().optional(),
  /** The environment's name on GitHub, when it differs from Opsroom's. */
  environment: z.string().min(1).max(100).optional(),
};
const kubernetesSettings = {
  /** The kubectl program: a path, or a name looked up on PATH. */
  kubectl: z.string().min(1).optional(),
  context: z.string().min(1).max(200).optional(),
  namespace: z.string().min(1).max(63).optional(),
  /** `deployment/<name>` is set; the container inside it gets the new image. */
  deployment: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/)
    .optional(),
  container: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)
    .optional(),
  /** The image, with `{{ref}}` (or `{{sha}}`) for the tag: `ghcr.io/acme/api:{{ref}}`. */
  image: z.string().min(1).max(500).optional(),
  /** `kubectl rollout status --timeout`, e.g. `300s` or `5m`. */
  rolloutTimeout: z
    .string()
    .regex(/^\d+[smh]$/)
    .optional(),
};
const webhookSettings = {
  url: z.url().optional(),
  /** The HMAC key for the request and for status callbacks: `"{{ secret.DEPLOY_HOOK_KEY }}"`. */
  secret: secretTemplate.optional(),
};

/** Provider settings an environment may override. */
const overridable = {
  /** The deploy script (shell provider); relative paths are from the server's working directory. */
  script: z
    .string()
    .min(1)
    .max(1000)
    .transform((script) => resolve(script))
    .optional(),
  passEnv: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
    .max(50)
    .optional(),
  github: z.strictObject(githubSettings).optional(),
  kubernetes: z.strictObject(kubernetesSettings).optional(),
  webhook: z.strictObject(webhookSettings).optional(),
  /** The ref deployed when none is typed. */
  ref: z.string().min(1).max(200).optional(),
  /** How long a deploy may run before it is stopped (minutes). */
  timeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
};

const environmentSchema = z.strictObject({
  /** The permission a deploy, lock or rollback here needs; default `deploy:<env>`. */
  permission: permission.optional(),
  /** A deploy here needs approval by someone else who holds the permission. */
  approval: z.boolean().default(false),
  /** Rooms (names, with or without '#') where this environment may be deployed from; default anywhere. */
  rooms: z
    .array(
      z
        .string()
        .regex(/^#?[a-z0-9][a-z0-9._-]*$/)
        .transform((r) => r.replace(/^#/, '')),
    )
    .optional(),
  freeze: z.array(freezeSchema).max(100).default([]),
  /** The permission `deploy!` needs to deploy during a freeze; default `deploy:force`. */
  forcePermission: permission.optional(),
  ...overridable,
});

const appSchema = z.strictObject({
  provider: z.enum(DEPLOY_PROVIDERS),
  /** `owner/name` on GitHub (required by the github provider; used for links and commits). */
  repository: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { message: 'must be owner/name' })
    .optional(),
  /** Used when `deploy <app>` names no environment; without it, the bot asks which one. */
  defaultEnvironment: name.optional(),
  environments: z.record(name, environmentSchema),
  ...overridable,
});

/** Checks across keys: the default environment exists, each environment has its provider's settings. */
function checkApp(appName: string, app: z.infer<typeof appSchema>, ctx: z.RefinementCtx): void {
  const envs = Object.keys(app.environments);
  if (envs.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: [appName, 'environments'],
      message: 'name at least one environment',
    });
  }
  if (app.defaultEnvironment !== undefined && !envs.includes(app.defaultEnvironment)) {
    ctx.addIssue({
      code: 'custom',
      path: [appName, 'defaultEnvironment'],
      message: `'${app.defaultEnvironment}' is not one of the environments (${envs.join(', ')})`,
    });
  }
  for (const [envName, env] of Object.entries(app.environments)) {
    for (const missing of missingSettings(app.provider, app.repository, mergeSettings(app, env))) {
      ctx.addIssue({
        code: 'custom',
        path: [appName, 'environments', envName],
        message: `the ${app.provider} provider needs ${missing}`,
      });
    }
  }
}

export const appsConfigSchema = z
  .record(name, appSchema)
  .superRefine((apps, ctx) => {
    for (const [appName, app] of Object.entries(apps)) checkApp(appName, app, ctx);
  })
  .default({});

export type AppsConfig = z.infer<typeof appsConfigSchema>;
export type AppConfig = z.infer<typeof appSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
type Overridable = { [K in keyof typeof overridable]?: z.infer<(typeof overridable)[K]> };

/** App-level provider settings with one environment's overrides on top (objects merged key by key). */
export function mergeSettings(app: Overridable, env: Overridable) {
  return {
    script: env.script ?? app.script,
    passEnv: env.passEnv ?? app.passEnv ?? [],
    github: { ...app.github, ...env.github },
    kubernetes: { ...app.kubernetes, ...env.kubernetes },
    webhook: { ...app.webhook, ...env.webhook },
    ref: env.ref ?? app.ref ?? 'main',
    timeoutMinutes: env.timeoutMinutes ?? app.timeoutMinutes ?? 30,
  };
}
export type ProviderSettings = ReturnType<typeof mergeSettings>;

function missingSettings(
  provider: DeployProviderName,
  repository: string | undefined,
  s: ProviderSettings,
): string[] {
  switch (provider) {
    case 'shell':
      return s.script === undefined ? ['script: (the deploy script)'] : [];
    case 'github':
      return [
        ...(repository === undefined ? ['repository: owner/name'] : []),
        ...(s.github.token === undefined ? ['github.token: "{{ secret.NAME }}"'] : []),
      ];
    case 'kubernetes':
      return (['deployment', 'container', 'image'] as const)
        .filter((k) => s.kubernetes[k] === undefined)
        .map((k) => `kubernetes.${k}`);
    case 'webhook':
      return (['url', 'secret'] as const)
        .filter((k) => s.webhook[k] === undefined)
        .map((k) => `webhook.${k}`);
  }
}
