import { isIP } from 'node:net';
import type { Clock } from '../../core/clock.js';

// What Opsroom asks an Alertmanager (API v2) when it reconciles: when it started and which alerts it
// still holds. Only GETs, to the address its own webhook bodies named (`externalURL`).

/** An alert an Alertmanager holds (not resolved): `GET /api/v2/alerts`, the fields Opsroom reads. */
export interface SenderAlert {
  fingerprint: string;
  startsAt: string;
  endsAt: string;
  /** `active`, `suppressed` (silenced or inhibited) or `unprocessed`. */
  state: string;
  /** Suppressed by a silence (`status.silencedBy` not empty); otherwise by an inhibit rule. */
  silenced: boolean;
}

/** One Alertmanager's answer, or why there was none (then nothing is concluded from it). */
export type SenderAnswer =
  | { url: string; ok: true; startedMs: number; alerts: ReadonlyMap<string, SenderAlert> }
  /** `unreachable`: no HTTP answer at all (a name that does not resolve, refused, timed out). */
  | { url: string; ok: false; error: string; unreachable?: boolean };

export interface AskOptions {
  clock: Clock;
  timeoutMs: number;
  /** Answers larger than this are not read (an Alertmanager holding very many alerts). */
  maxBytes: number;
  /** Its credentials (`alerts.reconcile.auth`), as an Authorization header; or why there are none. */
  authorization?: (() => Promise<string>) | undefined;
}

/** `alerts.reconcile.auth` for one address: secrets by reference (`{{ secret.NAME }}`). */
export type AlertmanagerAuth =
  | { bearer_token: string }
  | { basic_auth: { username: string; password: string } };

/**
 * The Authorization header for `auth`, its secret reference filled by `render` (SecretService.render:
 * a secret that is not set fails with its name, never a value).
 */
export async function authorizationOf(
  auth: AlertmanagerAuth,
  render: (reference: string) => Promise<string>,
): Promise<string> {
  if ('bearer_token' in auth) return `Bearer ${await render(auth.bearer_token)}`;
  const { username, password } = auth.basic_auth;
  return `Basic ${Buffer.from(`${username}:${await render(password)}`).toString('base64')}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Nothing answered at that address: a name that does not resolve, a refused connection, no answer in time. */
class UnreachableError extends Error {}

/**
 * The base of an Alertmanager's API from the `externalURL` of its bodies (a route prefix kept), or
 * undefined when it is not an http(s) address without credentials.
 */
export function alertmanagerBase(externalUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(externalUrl);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password)
    return undefined;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

async function getJson(url: string, options: AskOptions): Promise<unknown> {
  const controller = new AbortController();
  const cancel = options.clock.setTimer(options.timeoutMs, () =>
    controller.abort(new Error(`no answer within ${options.timeoutMs} ms`)),
  );
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.authorization) headers.authorization = await options.authorization();
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: controller.signal, redirect: 'error' });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const why = controller.signal.aborted
        ? String(controller.signal.reason?.message)
        : (cause ?? 'no connection');
      throw new UnreachableError(`${url}: ${why}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`${url} answered ${response.status}`);
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > options.maxBytes) {
      await response.body?.cancel();
      throw new Error(`${url}: ${length} bytes, more than ${options.maxBytes}`);
    }
    const text = await response.text();
    if (text.length > options.maxBytes) throw new Error(`${url}: more than ${options.maxBytes} bytes`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`${url} answered something that is not JSON`);
    }
  } finally {
    cancel();
  }
}

/** The alerts of an `/api/v2/alerts` answer, or an error when it is not one. */
export function readSenderAlerts(body: unknown): Map<string, SenderAlert> {
  if (!Array.isArray(body)) throw new Error('/api/v2/alerts did not answer a list');
  const alerts = new Map<string, SenderAlert>();
  for (const item of body) {
    if (!isObject(item) || typeof item.fingerprint !== 'string' || !isObject(item.status))
      throw new Error('/api/v2/alerts answered something that is not an alert');
    alerts.set(item.fingerprint, {
      fingerprint: item.fingerprint,
      startsAt: typeof item.startsAt === 'string' ? item.startsAt : '',
      endsAt: typeof item.endsAt === 'string' ? item.endsAt : '',
      state: typeof item.status.state === 'string' ? item.status.state : '',
      silenced: Array.isArray(item.status.silencedBy) && item.status.silencedBy.length > 0,
    });
  }
  return alerts;
}

/** When an `/api/v2/status` answer says the Alertmanager started, or an error when it is not one. */
export function readStartedMs(body: unknown): number {
  const started = isObject(body) && typeof body.uptime === 'string' ? Date.parse(body.uptime) : Number.NaN;
  if (!isObject(body) || !isObject(body.versionInfo) || Number.isNaN(started))
    throw new Error('/api/v2/status is not an Alertmanager status');
  return started;
}

/** Asks the Alertmanager at `base` (alertmanagerBase) when it started and what it holds. */
export async function askAlertmanager(base: string, options: AskOptions): Promise<SenderAnswer> {
  try {
    const startedMs = readStartedMs(await getJson(`${base}/api/v2/status`, options));
    const alerts = readSenderAlerts(await getJson(`${base}/api/v2/alerts`, options));
    return { url: base, ok: true, startedMs, alerts };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      url: base,
      ok: false,
      error: `${(error as Error).message}${cause ? ` (${cause})` : ''}`,
      unreachable: error instanceof UnreachableError,
    };
  }
}

/** The Alertmanager's address as seen from here: the body's sender IP in place of its externalURL's host. */
export function senderBase(externalUrl: string, address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  const version = isIP(ip);
  if (version === 0) return undefined;
  let url: URL;
  try {
    url = new URL(externalUrl);
  } catch {
    return undefined;
  }
  url.hostname = version === 6 ? `[${ip}]` : ip;
  return alertmanagerBase(url.href);
}
