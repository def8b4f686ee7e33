/**
 * Script and HTTP actions: folders of `action.yaml` (+ a program) that become bot commands, reloaded
 * while the server runs. app.ts calls `startActions` once the bot is up and `close()` on shutdown.
 */
import type { Clock } from '../../core/clock.js';
import type { CommandRegistry } from '../../domains/bot/registry.js';
import type { Logger } from '../../runtime/logger.js';
import { ActionLoader, type ActionsLog } from './loader.js';
import type { RenderSecrets } from './templates.js';

export { type ActionsCheck, checkActions } from './check.js';
export { type ActionLoad, type LoadedAction, loadAction } from './load-action.js';
export { ActionLoader, type ActionsLog } from './loader.js';
export type { RenderSecrets } from './templates.js';

export interface StartActionsOptions {
  /** The actions folder (absolute; config resolves `actions.dir`). */
  dir: string;
  watch: boolean;
  registry: CommandRegistry;
  clock: Clock;
  /** A snapshot of the server's environment; scripts see only PATH, HOME, LANG and the like, plus `passEnv`. */
  serverEnv: Readonly<Record<string, string | undefined>>;
  /** Fills `{{ secret.NAME }}` (the secrets service's `render`). */
  renderSecrets: RenderSecrets;
  log: ActionsLog;
  /** Between SIGTERM and SIGKILL when a script is stopped; default 3 s. */
  killGraceMs?: number;
  /** Quiet time after a change before reloading; default 250 ms. */
  debounceMs?: number;
}

/**
 * Loads every action in `dir` into the registry and, with `watch`, follows changes.
 *
 * @example
 * ```ts
 * const actions = startActions({
 *   dir: config.actions.dir,
 *   watch: config.actions.watch,
 *   registry: bot.registry,
 *   clock,
 *   serverEnv: childEnvironment({}),
 *   renderSecrets: (text, options) => secrets.render(text, options),
 *   log,
 * });
 * // on shutdown
 * actions.close();
 * ```
 */
export function startActions(options: StartActionsOptions): ActionLoader {
  return new ActionLoader({
    dir: options.dir,
    registry: options.registry,
    clock: options.clock,
    log: options.log,
    deps: {
      clock: options.clock,
      serverEnv: options.serverEnv,
      renderSecrets: options.renderSecrets,
      ...(options.killGraceMs !== undefined && { killGraceMs: options.killGraceMs }),
    },
    ...(options.debounceMs !== undefined && { debounceMs: options.debounceMs }),
  }).start(options.watch);
}

/** The app's pino logger as the loader's log. */
export function actionsLogFor(logger: Logger): ActionsLog {
  return {
    info: (message, detail) => logger.info(detail, message),
    warn: (message, detail) => logger.warn(detail, message),
    error: (message, detail) => logger.error(detail, message),
  };
}
