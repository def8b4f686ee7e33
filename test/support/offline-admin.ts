import { SYSTEM_ACTOR } from '../../src/core/actor.js';
import { SystemClock } from '../../src/core/clock.js';
import { IdGenerator } from '../../src/core/ids.js';
import { IdentityService } from '../../src/domains/identity/service.js';
import { IdentityStore } from '../../src/domains/identity/store.js';
import { InProcessEventBus } from '../../src/runtime/event-bus.js';
import type { Database } from '../../src/storage/database.js';

/**
 * The offline path: an `admin` user and an admin token written straight into a migrated database
 * before any server runs (what `opsroom --offline token create` does), for tests that spawn servers.
 */
export async function offlineAdminToken(database: Database, name = 'test'): Promise<string> {
  const clock = new SystemClock();
  const identity = new IdentityService({
    store: new IdentityStore(database.db),
    clock,
    ids: new IdGenerator(clock),
    bus: new InProcessEventBus(clock),
    sessionTtlHours: 1,
  });
  await identity.createUser(SYSTEM_ACTOR, { username: 'admin', roles: ['admin'] });
  const created = await identity.createToken(SYSTEM_ACTOR, {
    username: 'admin',
    name,
    scopes: ['read', 'write', 'admin'],
  });
  return created.token;
}
