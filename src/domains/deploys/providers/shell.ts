/**
 * `provider: shell`: runs the app's script (an argv of one element, never a shell string) in its own
 * process group with APP, REF, ENV, TASK, SHA, HOSTS and DEPLOY_ID in its environment, streaming its
 * output; cancel and timeout stop the whole group (process-runner does that).
 */
import { dirname } from 'node:path';
import type { Clock } from '../../../core/clock.js';
import { runProcess } from '../../../plugins/actions/process-runner.js';
import { abortReason, BASE_ENV } from '../../../plugins/actions/script-action.js';
import type { DeployIO, DeployOutcome, DeployProvider, DeployRequest } from '../provider.js';

export interface ShellProviderDeps {
  clock: Clock;
  /** The server's environment snapshot (config/env.ts); only allowlisted names and `passEnv` are passed. */
  serverEnv: Readonly<Record<string, string | undefined>>;
  maxOutputBytes?: number;
  killGraceMs?: number;
}

const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The script's whole environment. */
export function deployEnvironment(
  request: DeployRequest,
  serverEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV, ...request.settings.passEnv]) {
    const value = serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= FALLBACK_PATH;
  Object.assign(env, {
    APP: request.app,
    REF: request.ref,
    ENV: request.environment,
    TASK: request.task,
    SHA: request.sha ?? '',
    HOSTS: request.hosts ?? '',
    DEPLOY_ID: String(request.deployId),
    OPSROOM_USER: request.requester,
  });
  return env;
}

export function shellProvider(deps: ShellProviderDeps): DeployProvider {
  return {
    async deploy(request: DeployRequest, io: DeployIO): Promise<DeployOutcome> {
      const script = request.settings.script;
      if (script === undefined) return { ok: false, summary: 'no script is configured' };
      // Resolved against the server's working directory when the config was loaded.
      const file = script;
      const outcome = await runProcess({
        file,
        args: [],
        cwd: dirname(file),
        env: deployEnvironment(request, deps.serverEnv),
        maxOutputBytes: deps.maxOutputBytes ?? 1024 * 1024,
        signal: io.signal,
        onOutput: (text) => io.progress(text),
        clock: deps.clock,
        ...(deps.killGraceMs === undefined ? {} : { killGraceMs: deps.killGraceMs }),
      });
      if (outcome.spawnError) {
        return {
          ok: false,
          summary: `could not start ${script}: ${outcome.spawnError.code ?? outcome.spawnError.message}`,
        };
      }
      if (outcome.stoppedBecause === 'aborted')
        return { ok: false, summary: `stopped: ${abortReason(io.signal)}` };
      if (outcome.stoppedBecause === 'output-cap') return { ok: false, summary: 'stopped: too much output' };
      const code = outcome.exitCode ?? 1;
      if (code === 0) return { ok: true, summary: `${script} exited 0`, exitCode: 0 };
      const how = outcome.exitCode === null ? `was killed by ${outcome.exitSignal}` : `exited ${code}`;
      return { ok: false, summary: `${script} ${how}`, exitCode: code };
    },
  };
}
