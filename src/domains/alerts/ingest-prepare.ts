import { ValidationError } from '../../core/errors.js';
import { fingerprint, fingerprintOf, inByteOrder } from './fingerprint.js';
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
  /** The label names the sender grouped this alert by (Alertmanager's, Grafana's `groupLabels`). */
  senderGroupBy: readonly string[] | undefined;
}

/** A copy of `p` starting at `startsAt`, with the same shape as every other Prepared (not a spread). */
export function withStart(p: Prepared, startsAt: string): Prepared {
  return {
    labels: p.labels,
    labelsJson: p.labelsJson,
    annotationsJson: p.annotationsJson,
    fingerprint: p.fingerprint,
    alertname: p.alertname,
    severity: p.severity,
    status: p.status,
    startsAt,
    endsAt: p.endsAt,
    generatorUrl: p.generatorUrl,
    senderGroupBy: p.senderGroupBy,
  };
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VALUE = 10_000;

/** PostgreSQL text holds neither NUL nor lone surrogates (JSON columns escape both; plain columns cannot). */
function storable(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** JSON of `map` with its keys in `names`' order, `keys` being Object.keys(map) (`names` sorts them). */
function jsonInOrder(map: Record<string, string>, keys: readonly string[], names: readonly string[]): string {
  if (names === keys) return JSON.stringify(map);
  const out: Record<string, string> = {};
  for (const k of names) out[k] = map[k]!;
  return JSON.stringify(out);
}

export function sortedJson(map: Record<string, string> | undefined): string {
  if (!map) return '{}';
  const keys = Object.keys(map);
  return jsonInOrder(map, keys, inByteOrder(keys));
}

/** Label names already checked, so the regular expression runs once per distinct name, not per alert. */
const goodNames = new Set<string>();

function checkName(name: string, path: string): void {
  if (goodNames.has(name)) return;
  if (!LABEL_NAME.test(name)) {
    throw new ValidationError(`${path}.labels: '${name.slice(0, 40)}' is not a label name`, [
      { path: `${path}.labels`, message: 'bad label name' },
    ]);
  }
  if (goodNames.size >= 10_000) goodNames.clear();
  goodNames.add(name);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(value: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with every field in range, as `toISOString` writes it (the
 * fraction cut to milliseconds, as Date.parse does), without a Date; undefined for any other shape
 * (offsets, out-of-range days that Date.parse rolls over, …), which takes the general path. This is
 * what Prometheus and Alertmanager send, once or twice per alert.
 */
function utcIso(value: string): string | undefined {
  const n = value.length;
  if (n < 20 || value.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':')
    return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0)) return undefined;
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (n === 20) return `${value.slice(0, 19)}.000Z`;
  if (value[19] !== '.' || n === 21) return undefined;
  const fraction = n - 21;
  for (let i = 20; i < n - 1; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
  }
  if (fraction === 3) return value;
  return `${value.slice(0, 20)}${fraction > 3 ? value.slice(20, 23) : value.slice(20, n - 1).padEnd(3, '0')}Z`;
}

function isoOrFail(value: string, path: string): string {
  const fast = utcIso(value);
  if (fast !== undefined) return fast;
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
  senderGroupBy?: readonly string[],
): Prepared[] {
  const { maxAlerts, maxLabels } = limits;
  if (alerts.length > maxAlerts) {
    throw new ValidationError(`too many alerts in one delivery: ${alerts.length} (at most ${maxAlerts})`);
  }
  // One row per (fingerprint, startsAt) even when a sender repeats an alert inside a delivery: the
  // position of its first copy, the content of its last.
  const out: Prepared[] = [];
  const byFingerprint = new Map<string, number>();
  let byKey: Map<string, number> | undefined;
  for (let i = 0; i < alerts.length; i++) {
    const alert = alerts[i]!;
    const labels = alert.labels;
    const keys = Object.keys(labels);
    for (let k = 0; k < keys.length; k++) {
      if (k === maxLabels) {
        throw new ValidationError(`alerts.${i}.labels: more than ${maxLabels} labels`, [
          { path: `alerts.${i}.labels`, message: 'too many labels' },
        ]);
      }
      const name = keys[k]!;
      checkName(name, `alerts.${i}`);
      const value = labels[name]!;
      if (!storable(value)) {
        throw new ValidationError(`alerts.${i}.labels.${name}: contains a NUL character or broken Unicode`);
      }
      if (value.length > MAX_VALUE) {
        throw new ValidationError(`alerts.${i}.labels.${name}: longer than ${MAX_VALUE} characters`);
      }
    }
    if (keys.length === 0 && alert.dedupKey === undefined) {
      throw new ValidationError(`alerts.${i}.labels: an alert needs at least one label`, [
        { path: `alerts.${i}.labels`, message: 'empty' },
      ]);
    }
    if (
      alert.generatorUrl !== undefined &&
      (!storable(alert.generatorUrl) || alert.generatorUrl.length > MAX_VALUE)
    ) {
      throw new ValidationError(`alerts.${i}.generatorURL: not a usable link`);
    }
    const endsAt = alert.endsAt ? isoOrFail(alert.endsAt, `alerts.${i}.endsAt`) : null;
    const resolved = alert.status === 'resolved' || (endsAt !== null && Date.parse(endsAt) <= now);
    // The names in byte order serve both the fingerprint and the stored JSON (already sorted: as is).
    const names = inByteOrder(keys);
    const fp =
      alert.dedupKey === undefined
        ? fingerprintOf(labels, names)
        : fingerprint({ __dedup_key__: alert.dedupKey });
    const startsAt = alert.startsAt ? isoOrFail(alert.startsAt, `alerts.${i}.startsAt`) : undefined;
    const prepared: Prepared = {
      labels,
      labelsJson: jsonInOrder(labels, keys, names),
      annotationsJson: sortedJson(alert.annotations),
      fingerprint: fp,
      alertname: labels.alertname ?? alert.dedupKey ?? 'alert',
      severity: labels.severity ?? 'warning',
      status: resolved ? 'resolved' : 'firing',
      startsAt,
      endsAt: resolved ? (endsAt ?? new Date(now).toISOString()) : null,
      generatorUrl: alert.generatorUrl ?? null,
      senderGroupBy,
    };
    const at = byFingerprint.get(fp);
    if (at === undefined) {
      byFingerprint.set(fp, out.length);
      out.push(prepared);
    } else if (out[at]!.startsAt === startsAt) {
      out[at] = prepared;
    } else {
      // The same labels with another start time (rare): keyed by both.
      byKey ??= new Map();
      const key = `${fp}|${startsAt ?? ''}`;
      const seen = byKey.get(key);
      if (seen === undefined) {
        byKey.set(key, out.length);
        out.push(prepared);
      } else out[seen] = prepared;
    }
  }
  return out;
}
