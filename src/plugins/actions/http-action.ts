/**
 * An HTTP action's run: fills the URL (arguments URL-encoded), headers and JSON body, calls the API with
 * the built-in fetch, retries 5xx answers, network errors and attempts that timed out (with backoff on
 * the injected clock), and picks the reply out of the JSON response with a dotted-path template.
 * A 4xx is a failure with the status and a short excerpt of the body.
 */
import type { Clock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import type { AnyArgValue } from '../../domains/bot/arg-types.js';
import type { CommandContext, CommandResult } from '../../domains/bot/command.js';
import type { HttpManifest } from './manifest-schema.js';
import { formatBytes } from './process-runner.js';
import { abortReason } from './script-action.js';
import { argText, fillTemplate, type RenderSecrets, renderReply } from './templates.js';

export interface HttpDeps {
  clock: Clock;
  renderSecrets: RenderSecrets;
}

export interface HttpSpec {
  name: string;
  http: HttpManifest;
  /** Responses larger than this are refused. */
  maxResponseBytes: number;
}

type Args = Readonly<Record<string, AnyArgValue | undefined>>;

interface Answer {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

const EXCERPT = 200;

/** Like encodeURIComponent, and `.`/`..` are refused: a URL parser would climb the path with them. */
function encodeUrlArg(value: string): string {
  if (value === '.' || value === '..') throw new ValidationError(`'${value}' cannot be used in a URL`);
  return encodeURIComponent(value);
}

async function fillBody(value: unknown, args: Args, renderSecrets: RenderSecrets): Promise<unknown> {
  if (typeof value === 'string') {
    // "{{count}}" alone keeps the argument's type: a number stays a number in the JSON.
    const only = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(value);
    if (only) {
      const arg = args[only[1]!];
      return arg === undefined ? null : arg instanceof Date ? arg.toISOString() : arg;
    }
    return fillTemplate(value, args, { renderSecrets });
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => fillBody(v, args, renderSecrets)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = await fillBody(v, args, renderSecrets);
    return out;
  }
  return value;
}

async function buildRequest(spec: HttpSpec, args: Args, renderSecrets: RenderSecrets) {
  const url = await fillTemplate(spec.http.url, args, {
    encodeArg: encodeUrlArg,
    renderSecrets,
    encodeSecret: encodeURIComponent,
  });
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new ValidationError(`the action's URL is not an http(s) URL once filled in`);
  }
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(spec.http.headers ?? {})) {
    const value = await fillTemplate(template, args, { renderSecrets });
    if (/[\r\n\0]/.test(value)) throw new ValidationError(`header ${name} would contain a line break`);
    headers[name.toLowerCase()] = value;
  }
  let body: string | undefined;
  if (spec.http.body !== undefined) {
    body = JSON.stringify(await fillBody(spec.http.body, args, renderSecrets));
    headers['content-type'] ??= 'application/json';
  }
  headers.accept ??= 'application/json, text/plain;q=0.9, */*;q=0.5';
  return { url, init: { method: spec.http.method, headers, ...(body !== undefined && { body }) } };
}

/** Reads the body up to `max` bytes; larger is an error (the stream is cancelled). */
async function readAnswer(response: Response, max: number): Promise<Answer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > max) {
        await response.body.cancel().catch(() => {});
        throw new TooLarge(`the response is larger than ${formatBytes(max)}`);
      }
      chunks.push(chunk);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown = text;
  const type = response.headers.get('content-type') ?? '';
  if (/json/i.test(type) || /^\s*[[{]/.test(text)) {
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON after all: the reply sees the text.
    }
  }
  return {
    status: response.status,
    statusText: response.statusText,
    headers: Object.fromEntries(response.headers),
    body,
    text,
  };
}

class TooLarge extends Error {}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat;
}

/** Waits on the clock; resolves false when the signal aborts first. */
function wait(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      cancel();
      resolve(false);
    };
    const cancel = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

type Attempt = { answer: Answer } | { error: string; retry: boolean };

async function attempt(
  spec: HttpSpec,
  request: { url: string; init: RequestInit },
  deps: HttpDeps,
  outer: AbortSignal,
): Promise<Attempt> {
  const timeout = new AbortController();
  const cancel = deps.clock.setTimer(spec.http.timeout, () => timeout.abort());
  try {
    const response = await fetch(request.url, {
      ...request.init,
      signal: AbortSignal.any([outer, timeout.signal]),
    });
    return { answer: await readAnswer(response, spec.maxResponseBytes) };
  } catch (error) {
    if (error instanceof TooLarge) return { error: error.message, retry: false };
    if (timeout.signal.aborted) return { error: `no answer within ${spec.http.timeout} ms`, retry: true };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      error: `request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      retry: true,
    };
  } finally {
    cancel();
  }
}

/** The handler of an HTTP action's command. */
export function httpRunner(spec: HttpSpec, deps: HttpDeps) {
  return async (ctx: CommandContext<Args>): Promise<CommandResult> => {
    const request = await buildRequest(spec, ctx.args, deps.renderSecrets);
    const { retries, backoff } = spec.http;
    for (let n = 0; ; n++) {
      const result = await attempt(spec, request, deps, ctx.signal);
      if (ctx.signal.aborted) return { ok: false, text: `stopped (${abortReason(ctx.signal)})` };
      const failure =
        'error' in result
          ? result
          : result.answer.status >= 500
            ? { error: `HTTP ${result.answer.status} ${result.answer.statusText}`.trim(), retry: true }
            : undefined;
      if (failure?.retry && n < retries) {
        const delay = backoff * 2 ** n;
        ctx.progress(
          `${spec.http.method} attempt ${n + 1} of ${retries + 1}: ${failure.error}; retrying in ${delay} ms\n`,
        );
        if (!(await wait(deps.clock, delay, ctx.signal)))
          return { ok: false, text: `stopped (${abortReason(ctx.signal)})` };
        continue;
      }
      if ('error' in result) return { ok: false, text: `${spec.http.method} failed: ${result.error}` };
      return toResult(spec, result.answer, ctx.args);
    }
  };
}

function toResult(spec: HttpSpec, answer: Answer, args: Args): CommandResult {
  const status = `HTTP ${answer.status} ${answer.statusText}`.trim();
  if (answer.status >= 400) {
    const body = excerpt(answer.text);
    return { ok: false, text: body === '' ? status : `${status}: ${body}` };
  }
  const argsView = Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, v === undefined ? undefined : argText(v)]),
  );
  const response = {
    status: answer.status,
    statusText: answer.statusText,
    headers: answer.headers,
    body: answer.body,
  };
  const text =
    spec.http.reply === undefined ? status : renderReply(spec.http.reply, { response, args: argsView });
  return { ok: true, text };
}
