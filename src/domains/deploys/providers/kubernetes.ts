/**
 * `provider: kubernetes`: `kubectl set image deployment/<d> <container>=<image>` and then
 * `kubectl rollout status deployment/<d> --timeout=<t>`, each as an argv array. The image comes from
 * the `image` template with `{{ref}}` / `{{sha}}` filled in and must be a valid image reference.
 */
import type { Clock } from '../../../core/clock.js';
import { runProcess } from '../../../plugins/actions/process-runner.js';
import { abortReason } from '../../../plugins/actions/script-action.js';
import type { DeployIO, DeployOutcome, DeployProvider, DeployRequest } from '../provider.js';
import { deployEnvironment } from './shell.js';

export interface KubernetesProviderDeps {
  clock: Clock;
  serverEnv: Readonly<Record<string, string | undefined>>;
  killGraceMs?: number;
}

// [registry[:port]/]path[:tag][@digest], as the image reference grammar has it; the tag is
// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, so a ref such as feature/x is no tag.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE = new RegExp(
  `^(?:[a-z0-9.-]+(?::\\d+)?/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);

export function imageFor(template: string, request: DeployRequest): string {
  return template.replaceAll('{{ref}}', request.ref).replaceAll('{{sha}}', request.sha ?? request.ref);
}

export function kubernetesProvider(deps: KubernetesProviderDeps): DeployProvider {
  return {
    async deploy(request: DeployRequest, io: DeployIO): Promise<DeployOutcome> {
      const k = request.settings.kubernetes;
      if (!k.deployment || !k.container || !k.image)
        return { ok: false, summary: 'kubernetes settings are incomplete' };
      const image = imageFor(k.image, request);
      if (!IMAGE.test(image)) {
        return {
          ok: false,
          summary: `'${image}' is not a valid image reference (is the ref a valid image tag?)`,
        };
      }
      const kubectl = k.kubectl ?? 'kubectl';
      const common = [
        ...(k.context ? ['--context', k.context] : []),
        ...(k.namespace ? ['--namespace', k.namespace] : []),
      ];
      const target = `deployment/${k.deployment}`;
      const steps = [
        [...common, 'set', 'image', target, `${k.container}=${image}`],
        [...common, 'rollout', 'status', target, `--timeout=${k.rolloutTimeout ?? '300s'}`],
      ];
      for (const args of steps) {
        io.progress(`$ kubectl ${args.join(' ')}\n`);
        const outcome = await runProcess({
          file: kubectl,
          args,
          cwd: process.cwd(),
          env: deployEnvironment(request, deps.serverEnv),
          maxOutputBytes: 1024 * 1024,
          signal: io.signal,
          onOutput: (text) => io.progress(text),
          clock: deps.clock,
          ...(deps.killGraceMs === undefined ? {} : { killGraceMs: deps.killGraceMs }),
        });
        if (outcome.spawnError)
          return { ok: false, summary: `could not start ${kubectl}: ${outcome.spawnError.code ?? ''}` };
        if (outcome.stoppedBecause === 'aborted')
          return { ok: false, summary: `stopped: ${abortReason(io.signal)}` };
        if (outcome.exitCode !== 0) {
          return {
            ok: false,
            summary: `kubectl ${args.includes('rollout') ? 'rollout status' : 'set image'} failed`,
            exitCode: outcome.exitCode ?? 1,
          };
        }
      }
      return { ok: true, summary: `${target} rolled out ${image}`, exitCode: 0 };
    },
  };
}
