import { type Actor, isAdmin } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { NotFoundError, PermissionDeniedError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validation.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { SecretCipher } from './cipher.js';
import './events.js';
import { Redactor, type SecretEntry, StreamRedactor } from './redactor.js';
import { SECRET_NAME, type SecretView, secretNameSchema, setSecretBody } from './schema.js';
import type { SecretStore } from './store.js';

/** `{{ secret.NAME }}`, spaces optional. Anything after `secret.` is captured so bad names are named. */
const REFERENCE = /\{\{\s*secret\.([^\s{}]*)\s*\}\}/g;

export interface SecretDeps {
  store: SecretStore;
  cipher: SecretCipher;
  clock: Clock;
  bus: EventBus;
  /** A stored secret that cannot be decrypted (wrong key, corrupt row): reported, not fatal. */
  onError?: (error: unknown, context: { secret?: string }) => void;
}

export interface RenderOptions {
  /** Applied to each value, e.g. encodeURIComponent for a URL template. */
  encode?: (value: string) => string;
}

/**
 * Secrets: stored encrypted, set and removed by admins, read back only inside the server (actions
 * render `{{ secret.NAME }}`), and cut from output by `redactor()`. The redactor is rebuilt on every
 * `secret.*` event, so a change made on another node (once the bus spans nodes) is picked up too.
 */
export class SecretService {
  #redactor = Redactor.EMPTY;
  #pending: Promise<void> | undefined;
  #queue: Promise<void> = Promise.resolve();
  readonly #unsubscribe: (() => void)[];

  private constructor(private readonly deps: SecretDeps) {
    const onChange = () => void this.refresh().catch((error) => this.deps.onError?.(error, {}));
    this.#unsubscribe = [
      deps.bus.subscribe('secret.set', onChange),
      deps.bus.subscribe('secret.removed', onChange),
    ];
  }

  /** Builds the service with its redactor already covering every stored secret. */
  static async start(deps: SecretDeps): Promise<SecretService> {
    const service = new SecretService(deps);
    await service.refresh();
    return service;
  }

  get keyId(): string {
    return this.deps.cipher.keyId;
  }

  async set(actor: Actor, name: string, value: string): Promise<{ created: boolean }> {
    if (!isAdmin(actor)) throw new PermissionDeniedError('Only admins can set secrets');
    const valid = parseOrThrow(setSecretBody.extend({ name: secretNameSchema }), { name, value });
    const existing = await this.deps.store.get(valid.name);
    const now = this.deps.clock.now().toISOString();
    await this.deps.store.upsert({
      name: valid.name,
      ...this.deps.cipher.seal(valid.name, valid.value),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      updatedBy: actor.username,
    });
    this.deps.bus.publish('secret.set', { name: valid.name, created: !existing, by: actor.username });
    // The event started a rebuild; waiting for it means output is redacted once `set` returns.
    await this.refresh();
    return { created: !existing };
  }

  /** Names and timestamps; values never leave through here. */
  async list(actor: Actor): Promise<SecretView[]> {
    if (!isAdmin(actor)) throw new PermissionDeniedError('Only admins can list secrets');
    return this.deps.store.list();
  }

  async remove(actor: Actor, name: string): Promise<void> {
    if (!isAdmin(actor)) throw new PermissionDeniedError('Only admins can remove secrets');
    const valid = parseOrThrow(secretNameSchema, name);
    if (!(await this.deps.store.remove(valid))) throw new NotFoundError('secret', valid);
    this.deps.bus.publish('secret.removed', { name: valid, by: actor.username });
    await this.refresh();
  }

  /** The value, for the server's own use (actions). Never hand it to a person. */
  async resolve(name: string): Promise<string> {
    const row = SECRET_NAME.test(name) ? await this.deps.store.get(name) : undefined;
    if (!row) throw new NotFoundError('secret', name);
    return this.deps.cipher.open(name, row);
  }

  /** Replaces every `{{ secret.NAME }}`; unknown names are a ValidationError that lists them all. */
  async render(template: string, options: RenderOptions = {}): Promise<string> {
    const names = [...new Set(Array.from(template.matchAll(REFERENCE), (m) => m[1]!))];
    if (names.length === 0) return template;
    const values = new Map<string, string>();
    const unknown: string[] = [];
    for (const name of names) {
      try {
        values.set(name, await this.resolve(name));
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        unknown.push(name);
      }
    }
    if (unknown.length > 0) {
      const list = unknown.map((n) => `'${n}'`).join(', ');
      throw new ValidationError(
        `unknown secret${unknown.length > 1 ? 's' : ''} ${list}: an admin can add one with \`opsroom secret set NAME\``,
        unknown.map((n) => ({ path: `secret.${n}`, message: 'no such secret' })),
      );
    }
    const encode = options.encode ?? ((v: string) => v);
    return template.replace(REFERENCE, (_, name: string) => encode(values.get(name)!));
  }

  /** The current snapshot; cheap to call per message. */
  redactor(): Redactor {
    return this.#redactor;
  }

  /** For chunked output (job logs): always redacts with the newest secrets. */
  streamRedactor(): StreamRedactor {
    return new StreamRedactor(() => this.#redactor);
  }

  /** Rebuilds the redactor from the database. Calls made while one is waiting to start share it. */
  refresh(): Promise<void> {
    if (!this.#pending) {
      const run = this.#queue.then(() => {
        this.#pending = undefined;
        return this.#rebuild();
      });
      this.#pending = run;
      this.#queue = run.catch(() => {});
    }
    return this.#pending;
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  async #rebuild(): Promise<void> {
    const entries: SecretEntry[] = [];
    for (const row of await this.deps.store.all()) {
      try {
        entries.push({ name: row.name, value: this.deps.cipher.open(row.name, row) });
      } catch (error) {
        this.deps.onError?.(error, { secret: row.name });
      }
    }
    this.#redactor = new Redactor(entries);
  }
}
