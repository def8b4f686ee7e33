/**
 * A script action's run: builds the environment (a small allowlist of the server's variables, the
 * manifest's `env`, then OPSROOM_ARG_* and friends, which nothing can override), the argv and the JSON
 * on stdin, runs the program through process-runner, and turns how it ended into the job's result.
 * The output itself goes to `ctx.progress` as it comes; the job runner redacts and stores it.
 */
import { constants } from 'node:os';
import type { Clock } from '../../core/clock.js';
import type { AnyArgValue } from '../../domains/bot/arg-types.js';
import type { CommandContext, CommandResult } from '../../domains/bot/command.js';
import { formatBytes, type ProcessOutcome, runProcess } from './process-runner.js';
import { argText, fillTemplate, type RenderSecrets } from './templates.js';

/** What every script sees of the server's environment, when set. */
export const BASE_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
] as const;
const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface ScriptSpec {
  name: string;
  /** The program, resolved: an absolute path, or a bare name found on PATH. */
  file: string;
  /** The rest of `run:`; may use `{{arg}}` (never secrets: argv is visible to ps). */
  argv: readonly string[];
  cwd: string;
  passEnv: readonly string[];
  /** Extra variables; values may use `{{arg}}` and `{{ secret.NAME }}`. */
  env: Readonly<Record<string, string>>;
  maxOutputBytes: number;
}

export interface ScriptDeps {
  clock: Clock;
  /** A snapshot of the server's environment (config/env.ts reads it); only allowlisted names are used. */
  serverEnv: Readonly<Record<string, string | undefined>>;
  renderSecrets: RenderSecrets;
  /** Between SIGTERM and SIGKILL; default 3 s. */
  killGraceMs?: number;
}

type Args = Readonly<Record<string, AnyArgValue | undefined>>;

/** The environment variable an argument arrives in: `path` → OPSROOM_ARG_PATH. */
export function argEnvName(name: string): string {
  return `OPSROOM_ARG_${name.toUpperCase()}`;
}

/** Why a signal was aborted, in words: the job runner's reason ('cancelled', 'timed out'). */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string' && reason !== '') return reason;
  // The job runner's StopReason: { kind: 'cancel', by } | { kind: 'timeout' } | { kind: 'shutdown' }.
  if (typeof reason === 'object' && reason !== null && 'kind' in reason) {
    const { kind, by } = reason as { kind: unknown; by?: unknown };
    if (kind === 'timeout') return 'timed out';
    if (kind === 'shutdown') return 'the server is shutting down';
    if (kind === 'cancel') return typeof by === 'string' ? `cancelled by @${by}` : 'cancelled';
  }
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'cancelled';
}

async function environment(spec: ScriptSpec, deps: ScriptDeps, ctx: CommandContext<Args>) {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV, ...spec.passEnv]) {
    const value = deps.serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= FALLBACK_PATH;
  for (const [name, template] of Object.entries(spec.env)) {
    env[name] = await fillTemplate(template, ctx.args, { renderSecrets: deps.renderSecrets });
  }
  for (const [name, value] of Object.entries(ctx.args)) {
    if (value !== undefined) env[argEnvName(name)] = argText(value);
  }
  env.OPSROOM_ACTION = spec.name;
  env.OPSROOM_JOB_ID = ctx.jobId;
  env.OPSROOM_USER = ctx.actor.username;
  if (ctx.roomId !== '') env.OPSROOM_ROOM_ID = ctx.roomId;
  return env;
}

async function argv(spec: ScriptSpec, args: Args): Promise<string[]> {
  const out: string[] = [];
  for (const element of spec.argv) {
    // An element that is only an absent optional argument is left out rather than passed as ''.
    const only = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(element);
    if (only && args[only[1]!] === undefined) continue;
    out.push(await fillTemplate(element, args));
  }
  return out;
}

/** The handler of a script action's command. */
export function scriptRunner(spec: ScriptSpec, deps: ScriptDeps) {
  return async (ctx: CommandContext<Args>): Promise<CommandResult> => {
    const stdin = JSON.stringify({
      args: ctx.args,
      user: ctx.actor.username,
      jobId: ctx.jobId,
      action: spec.name,
      ...(ctx.roomId !== '' && { roomId: ctx.roomId }),
    });
    const outcome = await runProcess({
      file: spec.file,
      args: await argv(spec, ctx.args),
      cwd: spec.cwd,
      env: await environment(spec, deps, ctx),
      stdin: `${stdin}\n`,
      maxOutputBytes: spec.maxOutputBytes,
      signal: ctx.signal,
      onOutput: (text) => ctx.progress(text),
      clock: deps.clock,
      ...(deps.killGraceMs !== undefined && { killGraceMs: deps.killGraceMs }),
    });
    return describeOutcome(spec, outcome, ctx.signal);
  };
}

/** How the run ended, as a job result: the exit code is the status; a short text says why it failed. */
export function describeOutcome(
  spec: Pick<ScriptSpec, 'file' | 'maxOutputBytes'>,
  outcome: ProcessOutcome,
  signal: AbortSignal,
): Exclude<CommandResult, string | undefined> {
  const code = outcome.exitCode ?? signalExitCode(outcome.exitSignal);
  const withCode = code === undefined ? {} : { exitCode: code };
  if (outcome.spawnError) {
    const error = outcome.spawnError;
    return { ok: false, text: `could not start ${spec.file}: ${error.code ?? ''} ${error.message}`.trim() };
  }
  if (outcome.stoppedBecause === 'aborted') {
    return { ok: false, ...withCode, text: `stopped (${abortReason(signal)}); its processes were killed` };
  }
  if (outcome.stoppedBecause === 'output-cap') {
    return {
      ok: false,
      ...withCode,
      text: `output capped at ${formatBytes(spec.maxOutputBytes)}; the action was stopped`,
    };
  }
  if (outcome.exitSignal !== null) {
    return { ok: false, ...withCode, text: `killed by ${outcome.exitSignal}` };
  }
  if (outcome.exitCode === 0) return { ok: true, exitCode: 0 };
  return { ok: false, ...withCode, text: `exited with code ${outcome.exitCode}` };
}

/** 128 + the signal's number, as shells report it (SIGKILL → 137). */
function signalExitCode(signal: NodeJS.Signals | null): number | undefined {
  if (signal === null) return undefined;
  const number = constants.signals[signal];
  return number === undefined ? undefined : 128 + number;
}
