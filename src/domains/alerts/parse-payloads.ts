import { ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validation.js';
import { TRUNCATED_ANNOTATION } from './card.js';
import { type GenericAlert, genericAlertSchema, type IncomingAlert } from './schema.js';

/** What a sender's body gives the pipeline: its alerts and where they came from. */
export interface ParsedDelivery {
  alerts: IncomingAlert[];
  /** Alertmanager's or Grafana's own address, for the card's source link. */
  externalUrl?: string | undefined;
  /**
   * The label names the sender grouped these alerts by (the keys of its `groupLabels`): Alertmanager
   * and Grafana send one body per group they made. A route that sets no `group_by` of its own keeps
   * the sender's groups (one card per group the sender notifies about).
   */
  groupBy?: readonly string[] | undefined;
}

/** The keys of a body's `groupLabels`, when it has that object of strings. */
function senderGroupBy(body: Record<string, unknown>): readonly string[] | undefined {
  const labels = stringMap(body.groupLabels, 'groupLabels', false);
  return labels === undefined ? undefined : Object.keys(labels);
}

// Go's zero time: Alertmanager writes it as the endsAt of a firing alert.
const ZERO_TIME = /^0001-01-01T/;

function fail(path: string, message: string): never {
  throw new ValidationError(`${path}: ${message}`, [{ path, message }]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, path: string, required: boolean): Record<string, string> | undefined {
  if (value === undefined || value === null) {
    if (required) fail(path, 'is missing');
    return undefined;
  }
  if (!isObject(value)) fail(path, 'must be an object of strings');
  for (const key in value) {
    if (typeof value[key] !== 'string') fail(`${path}.${key}`, 'must be a string');
  }
  return value as Record<string, string>;
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') fail(path, 'must be a string');
  return value;
}

/**
 * The alert list shared by Alertmanager (v4) and Grafana (v1) bodies. Hand-written checks rather than a
 * schema: this runs for every alert of every delivery and is most of the parse cost.
 */
function alertList(value: unknown): IncomingAlert[] {
  if (!Array.isArray(value)) fail('alerts', 'must be an array');
  const out: IncomingAlert[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const raw: unknown = value[i];
    const path = `alerts.${i}`;
    if (!isObject(raw)) fail(path, 'must be an object');
    const status = raw.status;
    if (status !== 'firing' && status !== 'resolved')
      fail(`${path}.status`, "must be 'firing' or 'resolved'");
    const endsAt = optionalString(raw.endsAt, `${path}.endsAt`);
    out[i] = {
      labels: stringMap(raw.labels, `${path}.labels`, true)!,
      annotations: stringMap(raw.annotations, `${path}.annotations`, false),
      status,
      startsAt: optionalString(raw.startsAt, `${path}.startsAt`),
      endsAt: endsAt === undefined || ZERO_TIME.test(endsAt) ? null : endsAt,
      generatorUrl: optionalString(raw.generatorURL, `${path}.generatorURL`),
    };
  }
  return out;
}

/**
 * `truncatedAlerts`: how many alerts of its group a sender left out of the body (Alertmanager's
 * `max_alerts`; Grafana copies the field). Opsroom never hears of those alerts, so each alert of the
 * body carries the count in the annotation TRUNCATED_ANNOTATION and the card adds it to the ones it
 * counts (card.ts). A resend with the same count changes nothing; a new count updates the alerts and
 * so the card. Bodies without truncation are left as they are.
 */
function withTruncated(alerts: IncomingAlert[], value: unknown): IncomingAlert[] {
  if (value === undefined || value === null || value === 0) return alerts;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    fail('truncatedAlerts', 'must be a whole number, 0 or more');
  const count = String(value);
  for (const alert of alerts) alert.annotations = { ...alert.annotations, [TRUNCATED_ANNOTATION]: count };
  return alerts;
}

/**
 * Alertmanager's webhook body, version 4, as sent by 0.25 to 0.34: `notification_reason` (0.32+) and
 * `routeLabels` (0.34+) are accepted and not needed. The `fingerprint` it sends is recomputed (the
 * same FNV-1a) rather than trusted.
 */
export function parseAlertmanager(body: unknown): ParsedDelivery {
  if (!isObject(body)) fail('body', 'must be a JSON object');
  if (body.version !== '4') {
    fail(
      'version',
      `unknown payload version ${JSON.stringify(body.version ?? null)}: Opsroom reads Alertmanager's version "4"`,
    );
  }
  return {
    alerts: withTruncated(alertList(body.alerts), body.truncatedAlerts),
    externalUrl: optionalString(body.externalURL, 'externalURL'),
    groupBy: senderGroupBy(body),
  };
}

/**
 * Grafana's webhook contact point (unified alerting, `version: "1"`), and the legacy pre-8 body
 * (`ruleName`, `state`) that older Grafanas still send.
 */
export function parseGrafana(body: unknown): ParsedDelivery {
  if (!isObject(body)) fail('body', 'must be a JSON object');
  if (body.version === undefined && typeof body.ruleName === 'string' && typeof body.state === 'string') {
    const firing = body.state === 'alerting' || body.state === 'no_data';
    return {
      alerts: [
        {
          labels: { alertname: body.ruleName, ...stringMap(body.tags, 'tags', false) },
          annotations: { ...(typeof body.message === 'string' ? { summary: body.message } : {}) },
          status: firing ? 'firing' : 'resolved',
          generatorUrl: optionalString(body.ruleUrl, 'ruleUrl'),
        },
      ],
    };
  }
  if (body.version !== '1') {
    fail(
      'version',
      `unknown payload version ${JSON.stringify(body.version ?? null)}: Opsroom reads Grafana's webhook version "1"`,
    );
  }
  return {
    alerts: withTruncated(alertList(body.alerts), body.truncatedAlerts),
    externalUrl: optionalString(body.externalURL, 'externalURL'),
    groupBy: senderGroupBy(body),
  };
}

function genericToIncoming(alert: GenericAlert, path: string): IncomingAlert {
  const labels: Record<string, string> = { ...alert.labels };
  if (alert.source !== undefined && labels.source === undefined) labels.source = alert.source;
  if (alert.severity !== undefined) labels.severity = alert.severity;
  if (labels.alertname === undefined) {
    if (alert.dedupKey === undefined && Object.keys(labels).length === 0) {
      fail(`${path}.labels`, 'is missing: send labels (with alertname) or a dedupKey');
    }
    labels.alertname = alert.summary?.slice(0, 100) || alert.dedupKey || alert.source || 'GenericAlert';
  }
  const annotations: Record<string, string> = { ...alert.annotations };
  if (alert.summary !== undefined) annotations.summary = alert.summary;
  if (alert.description !== undefined) annotations.description = alert.description;
  return {
    labels,
    annotations,
    status: alert.status,
    startsAt: alert.startsAt,
    endsAt: alert.endsAt ?? null,
    generatorUrl: alert.url,
    dedupKey: alert.dedupKey,
  };
}

/** The documented generic format (schema.ts): one alert, or `{ "alerts": [ … ] }`. */
export function parseGeneric(body: unknown): ParsedDelivery {
  if (!isObject(body)) fail('body', 'must be a JSON object');
  if (Array.isArray(body.alerts)) {
    const extra = Object.keys(body).filter((k) => k !== 'alerts');
    if (extra.length > 0) fail(extra[0]!, 'is not allowed next to alerts');
    return {
      alerts: body.alerts.map((a, i) =>
        genericToIncoming(parseOrThrow(genericAlertSchema, a), `alerts.${i}`),
      ),
    };
  }
  return { alerts: [genericToIncoming(parseOrThrow(genericAlertSchema, body), 'body')] };
}
