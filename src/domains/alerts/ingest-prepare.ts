import { ValidationError } from '../../core/errors.js';
import { fingerprint } from './fingerprint.js';
import type { IncomingAlert } from './schema.js';

/** An alert checked and normalised for the pipeline. */
export interface Prepared {
  labels: Record<string, string>;
  labelsJson: string;
  annotationsJson: string;
  fingerprint: string;
  alertname: string;
  severity: string;
  status: 'firing' | 'resolved';
  startsAt: string | undefined;
  endsAt: string | null;
  generatorUrl: string | null;
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VALUE = 10_000;

/** PostgreSQL text holds neither NUL nor lone surrogates (JSON columns escape both; plain columns cannot). */
function storable(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

export function sortedJson(map: Record<string, string> | undefined): string {
  if (!map) return '{}';
  const keys = Object.keys(map);
  // Senders (Alertmanager among them) usually send labels sorted already: then no copy is needed.
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return JSON.stringify(map);
  const out: Record<string, string> = {};
  for (const k of keys.sort()) out[k] = map[k]!;
  return JSON.stringify(out);
}

function isoOrFail(value: string, path: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new ValidationError(`${path}: '${value.slice(0, 40)}' is not an RFC 3339 time`, [
      { path, message: 'not a time' },
    ]);
  return new Date(ms).toISOString();
}

/**
 * Checks a delivery's alerts (label names and count, sizes, times; any problem refuses the whole
 * delivery with a path) and normalises them: fingerprint, canonical JSON, resolved when endsAt passed.
 */
export function prepareAlerts(
  alerts: readonly IncomingAlert[],
  limits: { maxAlerts: number; maxLabels: number },
  now: number,
): Prepared[] {
  const { maxAlerts, maxLabels } = limits;
  if (alerts.length > maxAlerts) {
    throw new ValidationError(`too many alerts in one delivery: ${alerts.length} (at most ${maxAlerts})`);
  }
  // One row per (fingerprint, startsAt) even when a sender repeats an alert inside a delivery.
  const byKey = new Map<string, Prepared>();
  for (let i = 0; i < alerts.length; i++) {
    const alert = alerts[i]!;
    const path = `alerts.${i}`;
    let count = 0;
    for (const name in alert.labels) {
      count++;
      if (count > maxLabels) {
        throw new ValidationError(`${path}.labels: more than ${maxLabels} labels`, [
          { path: `${path}.labels`, message: 'too many labels' },
        ]);
      }
      if (!LABEL_NAME.test(name)) {
        throw new ValidationError(`${path}.labels: '${name.slice(0, 40)}' is not a label name`, [
          { path: `${path}.labels`, message: 'bad label name' },
        ]);
      }
      if (!storable(alert.labels[name]!)) {
        throw new ValidationError(`${path}.labels.${name}: contains a NUL character or broken Unicode`);
      }
      if (alert.labels[name]!.length > MAX_VALUE) {
        throw new ValidationError(`${path}.labels.${name}: longer than ${MAX_VALUE} characters`);
      }
    }
    if (count === 0 && alert.dedupKey === undefined) {
      throw new ValidationError(`${path}.labels: an alert needs at least one label`, [
        { path: `${path}.labels`, message: 'empty' },
      ]);
    }
    if (
      alert.generatorUrl !== undefined &&
      (!storable(alert.generatorUrl) || alert.generatorUrl.length > MAX_VALUE)
    ) {
      throw new ValidationError(`${path}.generatorURL: not a usable link`);
    }
    const endsAt = alert.endsAt ? isoOrFail(alert.endsAt, `${path}.endsAt`) : null;
    const resolved = alert.status === 'resolved' || (endsAt !== null && Date.parse(endsAt) <= now);
    const fp =
      alert.dedupKey === undefined
        ? fingerprint(alert.labels)
        : fingerprint({ __dedup_key__: alert.dedupKey });
    const startsAt = alert.startsAt ? isoOrFail(alert.startsAt, `${path}.startsAt`) : undefined;
    const severity = alert.labels.severity ?? 'warning';
    byKey.set(`${fp}|${startsAt ?? ''}`, {
      labels: alert.labels,
      labelsJson: sortedJson(alert.labels),
      annotationsJson: sortedJson(alert.annotations),
      fingerprint: fp,
      alertname: alert.labels.alertname ?? alert.dedupKey ?? 'alert',
      severity,
      status: resolved ? 'resolved' : 'firing',
      startsAt,
      endsAt: resolved ? (endsAt ?? new Date(now).toISOString()) : null,
      generatorUrl: alert.generatorUrl ?? null,
    });
  }
  return [...byKey.values()];
}
