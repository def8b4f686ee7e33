import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { IdGenerator } from '../../core/ids.js';
import { sha256Hex } from '../../core/ids.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import './events.js';
import type { IntegrationKind } from './schema.js';

/** An integration as `alerts.integrations` in opsroom.yaml gives it (config/alerts-schema.ts). */
export interface ConfiguredIntegration {
  kind: IntegrationKind;
  name: string;
  room?: string | undefined;
  /** `{{ secret.NAME }}`: the URL token, or GitHub's HMAC key. */
  token: string;
  /** Heartbeats, in ms. */
  interval?: number | undefined;
}

export const CONFIG_OWNER = 'opsroom.yaml';

export interface SyncDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: IdGenerator;
  bus: EventBus;
  roomId: (name: string) => Promise<string>;
  resolveSecret: (name: string) => Promise<string>;
  heartbeatIntervalMs: (name: string) => number | undefined;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

/**
 * Makes the integrations table match `alerts.integrations` at start: each entry is created or updated
 * (owned by `opsroom.yaml`; only its token's hash is stored, or for GitHub the secret's name), and an
 * entry removed from the file is revoked. An entry whose secret is missing, or whose name an
 * integration made with the CLI already holds, is reported and skipped; the server still starts.
 */
export async function syncConfiguredIntegrations(
  deps: SyncDeps,
  specs: readonly ConfiguredIntegration[],
): Promise<void> {
  const now = deps.clock.now().toISOString();
  const kept = new Set<string>();
  for (const spec of specs) {
    const context = { integration: `${spec.kind}/${spec.name}` };
    try {
      const secretName = /secret\.([A-Z][A-Z0-9_]*)/.exec(spec.token)![1]!;
      const value = await deps.resolveSecret(secretName);
      const intervalMs = spec.interval ?? deps.heartbeatIntervalMs(spec.name);
      if (spec.kind === 'heartbeat' && intervalMs === undefined) {
        throw new Error('a heartbeat needs an interval (here or under alerts.heartbeats)');
      }
      if (spec.kind !== 'github' && spec.room === undefined) throw new Error('it needs a room');
      const row = {
        roomId: spec.room === undefined ? null : await deps.roomId(spec.room),
        tokenHash: spec.kind === 'github' ? null : sha256Hex(value),
        secretName: spec.kind === 'github' ? secretName : null,
        settings: JSON.stringify(
          intervalMs === undefined ? {} : { intervalSeconds: Math.round(intervalMs / 1000) },
        ),
      };
      const existing = await deps.db
        .selectFrom('integrations')
        .select(['id', 'createdBy'])
        .where('kind', '=', spec.kind)
        .where('name', '=', spec.name)
        .where('revokedAt', 'is', null)
        .executeTakeFirst();
      if (existing && existing.createdBy !== CONFIG_OWNER) {
        throw new Error(
          `an integration named '${spec.name}' was made with the CLI; revoke it or rename this one`,
        );
      }
      if (existing) {
        await deps.db.updateTable('integrations').set(row).where('id', '=', existing.id).execute();
        kept.add(existing.id);
        continue;
      }
      const id = deps.ids.next('int_');
      await deps.db
        .insertInto('integrations')
        .values({
          id,
          kind: spec.kind,
          name: spec.name,
          ...row,
          createdBy: CONFIG_OWNER,
          createdAt: now,
          revokedAt: null,
          lastUsedAt: null,
        })
        .execute();
      kept.add(id);
      deps.bus.publish('integration.created', {
        id,
        kind: spec.kind,
        name: spec.name,
        roomId: row.roomId,
        by: CONFIG_OWNER,
      });
    } catch (error) {
      deps.onError(error, context);
    }
  }
  const stale = await deps.db
    .selectFrom('integrations')
    .select(['id', 'kind', 'name'])
    .where('createdBy', '=', CONFIG_OWNER)
    .where('revokedAt', 'is', null)
    .execute();
  for (const s of stale.filter((r) => !kept.has(r.id))) {
    await deps.db.updateTable('integrations').set({ revokedAt: now }).where('id', '=', s.id).execute();
    deps.bus.publish('integration.revoked', { id: s.id, kind: s.kind, name: s.name, by: CONFIG_OWNER });
  }
}
