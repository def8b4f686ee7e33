import { z } from 'zod';

/**
 * The `alerts:` section of opsroom.yaml, in Alertmanager's words where they exist (route, group_by,
 * group_wait, matchers, continue, inhibit_rules), plus what chat needs (`room`, `severity`):
 *
 * ```yaml
 * alerts:
 *   route:
 *     room: alerts                 # default: the integration's room
 *     group_by: [alertname, service]
 *     group_wait: 30s
 *     group_interval: 5m
 *     repeat_interval: 4h
 *     routes:
 *       - matchers: ['severity="critical"', 'service=~"checkout|cart"']
 *         room: oncall
 *         severity: critical
 *         continue: true
 *         escalation_policy: checkout-primary   # kept for the on-call work
 *         ticket: { project: OPS }               # kept for the tickets work
 *   inhibit_rules:
 *     - source_matchers: ['severity="critical"']
 *       target_matchers: ['severity="warning"']
 *       equal: [service]
 *   heartbeats:
 *     nightly-backup: { interval: 25h, severity: warning }
 *   flap: { changes: 4, window: 30m }
 *   rate_limit: { per_minute: 120, burst: 60 }    # per integration; over it notifications queue
 *   reconcile: { interval: 1m, min_uptime: 2m }   # ask Alertmanager which alerts it still holds
 * ```
 * Durations are Prometheus-style (`30s`, `5m`, `4h`, `1d`, `1h30m`); matchers are Alertmanager's
 * (`name="v"`, `!=`, `=~`, `!~`). Everything is checked here so `opsroom config check` names the line.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseConfigDuration(text: string): number | undefined {
  const parts = /^(?:\d+(?:ms|s|m|h|d|w))+$/.test(text) ? text.match(/\d+(?:ms|s|m|h|d|w)/g) : null;
  if (!parts) return undefined;
  let ms = 0;
  for (const part of parts) {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d|w)$/.exec(part)!;
    ms += Number(n) * UNIT_MS[unit!]!;
  }
  return ms;
}

const duration = (min: number, max: number) =>
  z.union([z.string(), z.number().int()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value * 1000 : parseConfigDuration(value.trim());
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `'${value}' is not a duration: write 30s, 5m, 4h, 1d or 1h30m`,
      });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `the duration must be between ${min / 1000}s and ${max / 1000}s`,
      });
      return z.NEVER;
    }
    return ms;
  });

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,\s"]*)\s*$/;

export interface ConfigMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

function checkRegex(value: string, ctx: z.RefinementCtx): boolean {
  try {
    new RegExp(`^(?:${value})$`, 'u');
    return true;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `'${value}' is not a valid regex: ${(error as Error).message}` });
    return false;
  }
}

const matcherString = z.string().transform((text, ctx): ConfigMatcher => {
  const match = MATCHER.exec(text);
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: `'${text}' is not a matcher: write name="value", name!="value", name=~"regex" or name!~"regex"`,
    });
    return z.NEVER;
  }
  const raw = match[3]!;
  const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  const op = match[2] as ConfigMatcher['op'];
  if ((op === '=~' || op === '!~') && !checkRegex(value, ctx)) return z.NEVER;
  return { name: match[1]!, op, value };
});

const labelName = z.string().regex(LABEL_NAME, { message: 'a label name is letters, digits and _' });
const roomName = z
  .string()
  .transform((v) => v.replace(/^#/, ''))
  .pipe(
    z.string().regex(/^[a-z0-9][a-z0-9_-]{0,79}$/, { message: 'a room name is lower-case, e.g. alerts' }),
  );
const severity = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, { message: 'a severity is a lower-case word' });

/** Alertmanager's legacy `match` / `match_re` maps, still common in files people copy. */
const matcherFields = {
  matchers: z.array(matcherString).max(50).optional(),
  match: z.record(labelName, z.string()).optional(),
  match_re: z.record(labelName, z.string()).optional(),
};

export interface RouteConfig {
  id: string;
  matchers: ConfigMatcher[];
  room?: string | undefined;
  severity?: string | undefined;
  group_by?: string[] | undefined;
  group_wait?: number | undefined;
  group_interval?: number | undefined;
  repeat_interval?: number | undefined;
  continue: boolean;
  mute_notifications?: boolean | undefined;
  escalation_policy?: string | undefined;
  ticket?: Record<string, unknown> | undefined;
  routes: RouteConfig[];
}

function mergeMatchers(
  value: {
    matchers?: ConfigMatcher[] | undefined;
    match?: Record<string, string> | undefined;
    match_re?: Record<string, string> | undefined;
  },
  ctx: z.RefinementCtx,
): ConfigMatcher[] {
  const out = [...(value.matchers ?? [])];
  for (const [name, v] of Object.entries(value.match ?? {})) out.push({ name, op: '=', value: v });
  for (const [name, v] of Object.entries(value.match_re ?? {})) {
    if (checkRegex(v, ctx)) out.push({ name, op: '=~', value: v });
  }
  return out;
}

const routeShape = {
  ...matcherFields,
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/)
    .optional(),
  room: roomName.optional(),
  severity: severity.optional(),
  group_by: z
    .array(z.union([labelName, z.literal('...')]))
    .max(50)
    .optional(),
  group_wait: duration(0, 86_400_000).optional(),
  group_interval: duration(1000, 86_400_000).optional(),
  repeat_interval: duration(60_000, 30 * 86_400_000).optional(),
  continue: z.boolean().default(false),
  /** Record and show on the card, but post nothing new (a quiet route). */
  mute_notifications: z.boolean().optional(),
  escalation_policy: z.string().min(1).max(100).optional(),
  ticket: z.record(z.string(), z.unknown()).optional(),
};

type RawRoute = {
  [K in keyof typeof routeShape]: z.output<(typeof routeShape)[K]>;
} & { routes?: RawRoute[] | undefined };

const rawRoute: z.ZodType<RawRoute, unknown> = z.lazy(() =>
  z.strictObject({ ...routeShape, routes: z.array(rawRoute).max(200).optional() }),
) as unknown as z.ZodType<RawRoute, unknown>;

function normaliseRoute(raw: RawRoute, path: string, ctx: z.RefinementCtx): RouteConfig {
  return {
    id: raw.id ?? path,
    matchers: mergeMatchers(raw, ctx),
    room: raw.room,
    severity: raw.severity,
    group_by: raw.group_by,
    group_wait: raw.group_wait,
    group_interval: raw.group_interval,
    repeat_interval: raw.repeat_interval,
    continue: raw.continue,
    mute_notifications: raw.mute_notifications,
    escalation_policy: raw.escalation_policy,
    ticket: raw.ticket,
    routes: (raw.routes ?? []).map((child, i) => normaliseRoute(child, `${path}.${i}`, ctx)),
  };
}

const inhibitRule = z
  .strictObject({
    source_matchers: z.array(matcherString).max(50).optional(),
    target_matchers: z.array(matcherString).max(50).optional(),
    source_match: z.record(labelName, z.string()).optional(),
    source_match_re: z.record(labelName, z.string()).optional(),
    target_match: z.record(labelName, z.string()).optional(),
    target_match_re: z.record(labelName, z.string()).optional(),
    equal: z.array(labelName).max(50).default([]),
  })
  .transform((rule, ctx) => ({
    source: mergeMatchers(
      { matchers: rule.source_matchers, match: rule.source_match, match_re: rule.source_match_re },
      ctx,
    ),
    target: mergeMatchers(
      { matchers: rule.target_matchers, match: rule.target_match, match_re: rule.target_match_re },
      ctx,
    ),
    equal: rule.equal,
  }))
  .refine((rule) => rule.source.length > 0 && rule.target.length > 0, {
    message: 'an inhibit rule needs source and target matchers',
  });

const heartbeat = z.strictObject({
  interval: duration(10_000, 31 * 86_400_000),
  severity: severity.default('critical'),
  summary: z.string().max(500).optional(),
  labels: z.record(labelName, z.string().max(500)).default({}),
});

const secretReference = z.string().regex(/^\{\{\s*secret\.[A-Z][A-Z0-9_]{0,63}\s*\}\}$/, {
  message: 'must be a secret reference: "{{ secret.NAME }}" (opsroom secret set NAME)',
});

/** How Opsroom proves itself to an Alertmanager it asks (one behind basic auth or a token proxy). */
const alertmanagerAuth = z.union([
  z.strictObject({ bearer_token: secretReference }),
  z.strictObject({
    basic_auth: z.strictObject({
      username: z
        .string()
        .min(1)
        .max(200)
        .refine((u) => !u.includes(':'), { message: 'a basic-auth username has no colon' }),
      password: secretReference,
    }),
  }),
]);

const configIntegration = z.strictObject({
  kind: z.enum(['alertmanager', 'grafana', 'generic', 'github', 'heartbeat', 'slack']),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { message: 'a name is lower-case letters, digits, ., - and _' }),
  room: roomName.optional(),
  token: secretReference,
  /** Heartbeats: the longest silence before the alert fires. */
  interval: duration(10_000, 31 * 86_400_000).optional(),
});

export const alertsConfigSchema = z
  .strictObject({
    route: rawRoute.optional(),
    inhibit_rules: z.array(inhibitRule).max(200).default([]),
    heartbeats: z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/), heartbeat).default({}),
    /**
     * Integrations kept in the file (besides those made with `opsroom integration create`). The URL
     * token (or GitHub's HMAC key) is a secret: `token: "{{ secret.AM_HOOK_TOKEN }}"`, set with
     * `opsroom secret set AM_HOOK_TOKEN`; only its hash is stored. Removed from the file: revoked.
     */
    integrations: z.array(configIntegration).max(200).default([]),
    flap: z
      .strictObject({
        changes: z.number().int().min(2).max(1000).default(4),
        window: duration(60_000, 86_400_000).default(1_800_000),
      })
      .prefault({}),
    rate_limit: z
      .strictObject({
        /** Notifications (new cards and thread posts) per integration per minute; 0 turns the limit off. */
        per_minute: z.number().int().min(0).max(1_000_000).default(120),
        burst: z.number().int().min(1).max(100_000).default(60),
      })
      .prefault({}),
    /** Hook bodies larger than this are refused with 413 (the server's own limit applies elsewhere). */
    max_body_bytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    max_alerts_per_request: z.number().int().min(1).max(100_000).default(10_000),
    /**
     * On a SQLite file, parse and store deliveries in a thread of their own with its own connection,
     * so alert storms use a second core and the event loop keeps serving chat and cards. Off: in the
     * event loop, as on PostgreSQL (where the database server does the work in its own processes).
     */
    ingest_thread: z.boolean().default(true),
    max_labels: z.number().int().min(1).max(10_000).default(128),
    /**
     * Alertmanager never notifies the resolve of an alert that ended while silenced or inhibited there
     * (nor any with `send_resolved: false`). Every `interval` Opsroom asks each Alertmanager that sends
     * to it (at the `externalURL` of its bodies: `GET /api/v2/status` and `/api/v2/alerts`) and resolves
     * the firing alerts none of them holds. An Alertmanager up for less than `min_uptime` is not trusted
     * (it forgets its alerts on restart until Prometheus sends them again). `enabled: false` never asks.
     */
    reconcile: z
      .strictObject({
        enabled: z.boolean().default(true),
        interval: duration(1000, 86_400_000).default(60_000),
        min_uptime: duration(0, 86_400_000).default(120_000),
        timeout: duration(100, 60_000).default(5000),
        /**
         * Where to ask an Alertmanager whose `externalURL` Opsroom cannot reach (a public address
         * behind an ingress): `{ "https://am.example.com": "http://alertmanager:9093" }`.
         */
        api_urls: z
          .record(
            z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
            z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
          )
          .default({}),
        /**
         * Credentials for an Alertmanager Opsroom asks, by the address it asks (after `api_urls`):
         * `{ "http://alertmanager:9093": { bearer_token: "{{ secret.AM_TOKEN }}" } }` or
         * `{ basic_auth: { username: opsroom, password: "{{ secret.AM_PASSWORD }}" } }`, as
         * Alertmanager's own `--web.config.file` asks. Secrets only by reference.
         */
        auth: z
          .record(
            z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
            alertmanagerAuth,
          )
          .default({}),
      })
      .prefault({}),
    /** GitHub deliveries whose event time is older than this are refused as stale. */
    github_max_age: duration(60_000, 7 * 86_400_000).default(3_600_000),
  })
  .transform((value, ctx) => {
    const { route, ...rest } = value;
    return { ...rest, route: normaliseRoute(route ?? ({ continue: false } as RawRoute), 'root', ctx) };
  })
  .prefault({});

export type AlertsConfig = z.output<typeof alertsConfigSchema>;
