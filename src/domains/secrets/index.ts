import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import { SecretCipher } from './cipher.js';
import { SecretService } from './service.js';
import { SecretStore } from './store.js';

export { Redactor, StreamRedactor } from './redactor.js';
export { SecretService } from './service.js';

/** Wires the secrets domain; `key` is the 32-byte key from config/secret-key.ts. */
export function startSecrets(deps: {
  db: Kysely<DB>;
  key: Buffer;
  clock: Clock;
  bus: EventBus;
  onError?: (error: unknown, context: { secret?: string }) => void;
}): Promise<SecretService> {
  return SecretService.start({
    store: new SecretStore(deps.db),
    cipher: new SecretCipher(deps.key),
    clock: deps.clock,
    bus: deps.bus,
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
