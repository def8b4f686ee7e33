import type { Kysely } from 'kysely';
import { type Actor, isAdmin } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import {
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  ValidationError,
} from '../../core/errors.js';
import { type IdGenerator, randomSecret, secretsEqual, sha256Hex } from '../../core/ids.js';
import { parseOrThrow } from '../../core/validation.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import './events.js';
import {
  type CreatedIntegration,
  type CreateIntegrationInput,
  createIntegrationBody,
  type Integration,
  type IntegrationKind,
  type IntegrationSettings,
} from './schema.js';
import type { IntegrationsTable } from './table.js';

export interface IntegrationDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: IdGenerator;
  bus: EventBus;
  /** Room lookup by id or name; undefined when there is none. */
  roomOf: (ref: string) => Promise<{ id: string; name: string } | undefined>;
  /** Stores and reads GitHub HMAC keys as named secrets (encrypted at rest, redacted from output). */
  secrets: {
    set(actor: Actor, name: string, value: string): Promise<unknown>;
    resolve(name: string): Promise<string>;
    remove(actor: Actor, name: string): Promise<void>;
  };
  /** The address senders use, e.g. `https://opsroom.example.com`. */
  baseUrl: () => string;
  /** Heartbeat intervals configured by name (`alerts.heartbeats`), in ms. */
  heartbeatIntervalMs?: (name: string) => number | undefined;
  /** Records who created or revoked what (the audit log); tokens and secrets are never passed. */
  audit?: (actor: Actor, action: string, detail: Record<string, string | null>) => void;
}

/** How long a looked-up token is trusted before it is read again (revocations on other nodes). */
const CACHE_MS = 30_000;
/** `last_used_at` is written at most this often per integration. */
const TOUCH_MS = 60_000;

/**
 * Integrations are the ways in for alerts and messages: one per sender, each bound to a room, each
 * authenticated by a random token in its URL (only its sha256 is stored, shown once) or, for GitHub,
 * by an HMAC secret kept as a named secret. Admins create, list and revoke them.
 */
export class IntegrationService {
  readonly #byHash = new Map<string, { integration: Integration; atMs: number }>();
  readonly #touched = new Map<string, number>();

  constructor(private readonly deps: IntegrationDeps) {}

  async create(
    actor: Actor,
    input: CreateIntegrationInput,
  ): Promise<CreatedIntegration & { integration: Integration }> {
    if (!isAdmin(actor)) throw new PermissionDeniedError('Only admins can create integrations');
    const valid = parseOrThrow(createIntegrationBody, input);
    const room = valid.room === undefined ? undefined : await this.deps.roomOf(valid.room);
    if (valid.room !== undefined && !room) throw new NotFoundError('room', valid.room.replace(/^#/, ''));
    if (!room && valid.kind !== 'github') {
      throw new ValidationError(`a ${valid.kind} integration needs a room: --room <room>`, [
        { path: 'room', message: 'required' },
      ]);
    }
    const id = this.deps.ids.next('int_');
    const name = valid.name ?? `${valid.kind}-${id.slice(-6)}`;
    const settings: IntegrationSettings = {};
    if (valid.kind === 'heartbeat') {
      const configured = this.deps.heartbeatIntervalMs?.(name);
      const seconds =
        valid.intervalSeconds ?? (configured === undefined ? undefined : Math.round(configured / 1000));
      if (seconds === undefined) {
        throw new ValidationError(
          'a heartbeat needs an interval: --interval 5m (or alerts.heartbeats.<name>)',
          [{ path: 'intervalSeconds', message: 'required' }],
        );
      }
      settings.intervalSeconds = seconds;
    }
    if (await this.activeByName(valid.kind, name)) {
      throw new ConflictError(
        `a ${valid.kind} integration named '${name}' exists; revoke it or pick another name`,
      );
    }
    const token = valid.kind === 'github' ? undefined : `ohk_${randomSecret(24)}`;
    const secret = valid.kind === 'github' ? randomSecret(32) : undefined;
    const secretName = secret === undefined ? null : `GITHUB_HOOK_${id.slice(4).toUpperCase()}`;
    if (secret !== undefined && secretName) await this.deps.secrets.set(actor, secretName, secret);
    const row: IntegrationsTable = {
      id,
      kind: valid.kind,
      name,
      roomId: room?.id ?? null,
      tokenHash: token === undefined ? null : sha256Hex(token),
      secretName,
      settings: JSON.stringify(settings),
      createdBy: actor.username,
      createdAt: this.deps.clock.now().toISOString(),
      revokedAt: null,
      lastUsedAt: null,
    };
    await this.deps.db.insertInto('integrations').values(row).execute();
    this.deps.audit?.(actor, 'integration.created', { id, kind: valid.kind, name, roomId: row.roomId });
    this.deps.bus.publish('integration.created', {
      id,
      kind: valid.kind,
      name,
      roomId: row.roomId,
      by: actor.username,
    });
    const integration = await this.toView(row);
    return {
      integration,
      url: this.urlOf(integration, token),
      ...(token === undefined ? {} : { token }),
      ...(secret === undefined ? {} : { secret }),
    };
  }

  async list(actor: Actor): Promise<Integration[]> {
    if (!isAdmin(actor)) throw new PermissionDeniedError('Only admins can list integrations');
    const rows = await this.deps.db.selectFrom('integrations').selectAll().orderBy('createdAt').execute();
    return Promise.all(rows.map((r) => this.toView(r)));
  }

  async revoke(actor: Actor, id: string): Promise<Integration> {
    if (!isAdmin(actor)) throw new PermissionDeniedError('Only admins can revoke integrations');
    const row = await this.deps.db
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('integration', id);
    if (row.revokedAt === null) {
      row.revokedAt = this.deps.clock.now().toISOString();
      await this.deps.db
        .updateTable('integrations')
        .set({ revokedAt: row.revokedAt })
        .where('id', '=', id)
        .execute();
      if (row.tokenHash) this.#byHash.delete(row.tokenHash);
      this.deps.audit?.(actor, 'integration.revoked', { id, kind: row.kind, name: row.name });
      this.deps.bus.publish('integration.revoked', {
        id,
        kind: row.kind,
        name: row.name,
        by: actor.username,
      });
    }
    return this.toView(row);
  }

  /** Active or revoked, for the server's own use (GitHub deliveries name the integration by id). */
  async get(id: string): Promise<Integration | undefined> {
    const row = await this.deps.db
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.toView(row);
  }

  /** Active heartbeats, so their timers can be armed at start. */
  async activeOfKind(kind: IntegrationKind): Promise<Integration[]> {
    const rows = await this.deps.db
      .selectFrom('integrations')
      .selectAll()
      .where('kind', '=', kind)
      .where('revokedAt', 'is', null)
      .execute();
    return Promise.all(rows.map((r) => this.toView(r)));
  }

  /**
   * The integration a URL token belongs to, or UnauthenticatedError. Only the token's sha256 is looked
   * up, and the stored hash is compared in constant time.
   */
  async authenticate(kind: IntegrationKind, token: string): Promise<Integration> {
    if (token.length < 8 || token.length > 200) throw this.refused();
    const hash = sha256Hex(token);
    const now = this.deps.clock.nowMs();
    const cached = this.#byHash.get(hash);
    let integration = cached && now - cached.atMs < CACHE_MS ? cached.integration : undefined;
    if (!integration) {
      const row = await this.deps.db
        .selectFrom('integrations')
        .selectAll()
        .where('tokenHash', '=', hash)
        .executeTakeFirst();
      if (!row || row.tokenHash === null || !secretsEqual(row.tokenHash, hash)) throw this.refused();
      integration = await this.toView(row);
      if (this.#byHash.size > 10_000) this.#byHash.clear();
      this.#byHash.set(hash, { integration, atMs: now });
    }
    if (integration.kind !== kind || integration.revokedAt !== null) throw this.refused();
    this.touch(integration.id, now);
    return integration;
  }

  /** The GitHub HMAC key of an integration (server use only). */
  async githubSecret(integration: Integration): Promise<string> {
    if (!integration.secretName) throw this.refused();
    return this.deps.secrets.resolve(integration.secretName);
  }

  urlOf(integration: Pick<Integration, 'id' | 'kind' | 'name'>, token?: string): string {
    const base = this.deps.baseUrl().replace(/\/$/, '');
    if (integration.kind === 'github') return `${base}/hooks/github/${integration.id}`;
    const shown = token ?? '<token>';
    if (integration.kind === 'heartbeat') return `${base}/hooks/heartbeat/${integration.name}/${shown}`;
    return `${base}/hooks/${integration.kind}/${shown}`;
  }

  private refused(): UnauthenticatedError {
    return new UnauthenticatedError('Unknown or revoked integration token');
  }

  private touch(id: string, now: number): void {
    if (now - (this.#touched.get(id) ?? 0) < TOUCH_MS) return;
    this.#touched.set(id, now);
    void this.deps.db
      .updateTable('integrations')
      .set({ lastUsedAt: new Date(now).toISOString() })
      .where('id', '=', id)
      .execute()
      .catch(() => this.#touched.delete(id));
  }

  private async activeByName(kind: string, name: string): Promise<boolean> {
    const row = await this.deps.db
      .selectFrom('integrations')
      .select('id')
      .where('kind', '=', kind)
      .where('name', '=', name)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  private async toView(row: IntegrationsTable): Promise<Integration> {
    const room = row.roomId === null ? undefined : await this.deps.roomOf(row.roomId);
    return {
      id: row.id,
      kind: row.kind as IntegrationKind,
      name: row.name,
      roomId: row.roomId,
      roomName: room?.name ?? null,
      settings: JSON.parse(row.settings) as IntegrationSettings,
      createdBy: row.createdBy,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
      lastUsedAt: row.lastUsedAt,
      secretName: row.secretName,
    };
  }
}
