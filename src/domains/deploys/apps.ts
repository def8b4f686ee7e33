/**
 * The configured apps, and the questions every deploy command asks of them: which app, which
 * environment (asking back when none is typed and there is no default), which permission, rooms and
 * settings apply. Answers that refuse are phrased as replies listing the valid choices.
 */
import {
  type AppConfig,
  type AppsConfig,
  type EnvironmentConfig,
  mergeSettings,
  type ProviderSettings,
} from '../../config/apps-schema.js';

export interface Target {
  app: string;
  environment: string;
  config: AppConfig;
  env: EnvironmentConfig;
  settings: ProviderSettings;
  permission: string;
  forcePermission: string;
}

/** Either the target, or why not: `usage` (unknown or missing names) with the valid ones listed. */
export type Resolved = { ok: true; target: Target } | { ok: false; text: string; choices?: string[] };

/** Permission for the read-only commands and for lines that name no valid target (they only get a usage reply). */
export const READ_PERMISSION = 'bot:use';

export class Apps {
  constructor(private readonly apps: AppsConfig) {}

  names(): string[] {
    return Object.keys(this.apps).sort();
  }

  get(app: string): AppConfig | undefined {
    return Object.hasOwn(this.apps, app) ? this.apps[app] : undefined;
  }

  environments(app: string): string[] {
    const config = this.get(app);
    return config ? Object.keys(config.environments) : [];
  }

  /** An app by name, or a reply listing the apps there are. */
  app(app: string): { ok: true; config: AppConfig } | { ok: false; text: string } {
    const config = this.get(app.toLowerCase());
    if (config) return { ok: true, config };
    const names = this.names();
    return {
      ok: false,
      text:
        names.length === 0
          ? `I know no app called \`${app}\`: no apps are configured (add them under \`apps:\` in opsroom.yaml).`
          : `I know no app called \`${app}\`. Apps: ${names.map((n) => `\`${n}\``).join(', ')}.`,
    };
  }

  /** The app and environment a line names; a missing environment falls back to the app's default only. */
  resolve(appName: string, envName: string | undefined): Resolved {
    const found = this.app(appName);
    if (!found.ok) return found;
    const app = appName.toLowerCase();
    const envs = Object.keys(found.config.environments);
    const chosen = envName?.toLowerCase() ?? found.config.defaultEnvironment;
    if (chosen === undefined) {
      return {
        ok: false,
        text: `Which environment of \`${app}\`? ${envs.map((e) => `\`${e}\``).join(', ')} — say \`… to <environment>\`.`,
        choices: envs,
      };
    }
    const env = Object.hasOwn(found.config.environments, chosen)
      ? found.config.environments[chosen]
      : undefined;
    if (!env) {
      return {
        ok: false,
        text: `\`${app}\` has no environment \`${chosen}\`. Environments: ${envs.map((e) => `\`${e}\``).join(', ')}.`,
        choices: envs,
      };
    }
    return {
      ok: true,
      target: {
        app,
        environment: chosen,
        config: found.config,
        env,
        settings: mergeSettings(found.config, env),
        permission: env.permission ?? `deploy:${chosen}`,
        forcePermission: env.forcePermission ?? 'deploy:force',
      },
    };
  }

  /** The permission a line needs: the environment's, or the read permission so a bad line gets its usage reply. */
  permissionFor(app: string, env: string | undefined): string {
    const resolved = this.resolve(app, env);
    return resolved.ok ? resolved.target.permission : READ_PERMISSION;
  }
}
