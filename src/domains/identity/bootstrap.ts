import { SYSTEM_ACTOR } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { UnauthenticatedError } from '../../core/errors.js';
import { randomSecret, secretsEqual, sha256Hex } from '../../core/ids.js';
import type { IdentityService, Session } from './service.js';

const SETUP_KEY = 'setup_token';
const SETUP_TTL_MS = 24 * 3_600_000;
export const BOOTSTRAP_USERNAME = 'admin';

/**
 * First run: an empty database gets an `admin` user with no password and a one-time setup token,
 * printed on the console. Each start while setup is still pending prints a fresh token, so nobody is
 * ever locked out of a new install.
 */
export class Bootstrap {
  constructor(
    private readonly identity: IdentityService,
    private readonly clock: Clock,
  ) {}

  /** Returns a new setup token to print, or undefined when setup is already done. */
  async prepare(): Promise<string | undefined> {
    const store = this.identity.store;
    // Service accounts (the bot) may exist already; what matters is that nobody can administer.
    const users = await this.identity.listUsers();
    if (!users.some((u) => u.roles.includes('admin') || u.username === BOOTSTRAP_USERNAME)) {
      await this.identity.createUser(SYSTEM_ACTOR, {
        username: BOOTSTRAP_USERNAME,
        roles: ['admin'],
        displayName: 'Administrator',
      });
    }
    if (!(await this.pending())) return undefined;
    const token = randomSecret(24);
    const expiresAt = this.clock.nowMs() + SETUP_TTL_MS;
    await store.putSetting(SETUP_KEY, JSON.stringify({ hash: sha256Hex(token), expiresAt }));
    return token;
  }

  /** Setup is pending while the bootstrap admin has no password. */
  async pending(): Promise<boolean> {
    const admin = await this.identity.store.userByUsername(BOOTSTRAP_USERNAME);
    return (
      admin !== undefined &&
      admin.passwordHash === null &&
      (await this.identity.store.getSetting(SETUP_KEY)) !== 'done'
    );
  }

  /** Consumes the token, sets the admin's password and signs them in. */
  async complete(token: string, password: string): Promise<Session> {
    const raw = await this.identity.store.getSetting(SETUP_KEY);
    const saved =
      raw && raw !== 'done' ? (JSON.parse(raw) as { hash: string; expiresAt: number }) : undefined;
    if (!saved || !secretsEqual(saved.hash, sha256Hex(token)) || saved.expiresAt < this.clock.nowMs()) {
      throw new UnauthenticatedError(
        'The setup token is wrong or has expired; restart Opsroom to print a new one',
      );
    }
    if (!(await this.pending())) throw new UnauthenticatedError('Setup is already complete');
    await this.identity.setPassword(SYSTEM_ACTOR, BOOTSTRAP_USERNAME, password);
    await this.identity.store.putSetting(SETUP_KEY, 'done');
    const admin = await this.identity.requireUser(BOOTSTRAP_USERNAME);
    return this.identity.startSession(admin);
  }
}
