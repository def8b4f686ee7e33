import {
  type Actor,
  boundByScopes,
  type Channel,
  isAdmin,
  ROLES,
  type Role,
  type TokenScope,
} from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import {
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  ValidationError,
} from '../../core/errors.js';
import { type IdGenerator, randomSecret, sha256Hex } from '../../core/ids.js';
import { parseOrThrow } from '../../core/validation.js';
import type { EventBus } from '../../runtime/event-bus.js';
import { assertKnownRoles } from '../policy/role-names.js';
import './events.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import {
  type CreatedToken,
  type CreateTokenInput,
  type CreateUserInput,
  createTokenBody,
  createUserBody,
  setRolesBody,
  type TokenView,
  type UserView,
} from './schema.js';
import { type IdentityStore, toUserView, type UserRow } from './store.js';

export const TOKEN_PREFIX = 'opr_';
const LAST_USED_RESOLUTION_MS = 60_000;

export interface IdentityDeps {
  store: IdentityStore;
  clock: Clock;
  ids: IdGenerator;
  bus: EventBus;
  sessionTtlHours: number;
  /**
   * The roles users may hold: the built-in ones plus those under `policy.roles` in opsroom.yaml
   * (`createPolicy(config.policy).roleNames`). Default: the built-in roles.
   */
  roles?: readonly string[];
  /**
   * The roles that amount to admin (`createPolicy(config.policy).adminRoles`: `admin` and configured
   * roles that inherit it or hold `*`): a token without the `admin` scope acts as `operator` in their
   * place, and only their holders may have admin-scoped tokens. Default: `admin`.
   */
  adminRoles?: readonly string[];
}

export interface Session {
  /** The cookie value; only its hash is stored. */
  sessionId: string;
  csrfToken: string;
  user: UserView;
  expiresAt: string;
}

/** Users, passwords, sessions and API tokens. */
export class IdentityService {
  readonly store: IdentityStore;
  /** Role names users may hold (built-in and configured). */
  readonly knownRoles: readonly string[];
  private readonly adminRoles: readonly string[];
  constructor(private readonly deps: IdentityDeps) {
    this.store = deps.store;
    this.knownRoles = deps.roles ?? ROLES;
    this.adminRoles = deps.adminRoles ?? ['admin'];
  }

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }

  /**
   * The Actor for a user: every actor the server acts for is built here (sessions, API tokens, the
   * bot running a line someone posted or a button they pressed, runs as another user, the offline CLI).
   * With `scopes` (the request came with an API token, or the message or press that reached the bot
   * did), the roles are cut down by `boundByScopes` (core/actor.ts), the one rule that makes scopes
   * bound permissions: without the `admin` scope, `admin` (and any role that amounts to it) counts as
   * `operator`, so neither the policy nor `isAdmin` sees an admin; with `read` alone, `scopesAllowWrite`
   * is false, so nothing can be posted or run. Every permission check downstream reads this actor.
   */
  actorFor(user: UserView | UserRow, channel: Channel, scopes?: readonly TokenScope[]): Actor {
    const view =
      'roles' in user && Array.isArray(user.roles) ? (user as UserView) : toUserView(user as UserRow);
    return {
      userId: view.id,
      username: view.username,
      roles: boundByScopes(view.roles, scopes, this.adminRoles),
      channel,
      ...(scopes ? { scopes: [...scopes] } : {}),
    };
  }

  async createUser(actor: Actor, input: CreateUserInput): Promise<UserView> {
    if (!isAdmin(actor)) throw new PermissionDeniedError('Only admins can add users');
    const data = parseOrThrow(createUserBody, input);
    if (data.roles !== undefined) assertKnownRoles(data.roles, this.knownRoles);
    if (await this.store.userByUsername(data.username))
      throw new ConflictError(`user '${data.username}' already exists`);
    const now = this.nowIso();
    const row: UserRow = {
      id: this.deps.ids.next('u_'),
      username: data.username,
      displayName: data.displayName ?? data.username,
      roles: JSON.stringify(data.roles ?? ['member']),
      passwordHash: data.password === undefined ? null : await hashPassword(data.password),
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
    };
    try {
      await this.store.insertUser(row);
    } catch (error) {
      // Two concurrent creates of one name: the unique index decides, and the loser hears why.
      if (await this.store.userByUsername(data.username))
        throw new ConflictError(`user '${data.username}' already exists`);
      throw error;
    }
    const view = toUserView(row);
    this.deps.bus.publish('user.created', {
      userId: row.id,
      username: row.username,
      roles: view.roles,
      by: actor.username,
    });
    return view;
  }

  async listUsers(): Promise<UserView[]> {
    return (await this.store.listUsers()).map(toUserView);
  }

  async requireUser(username: string): Promise<UserRow> {
    const row = await this.store.userByUsername(username.toLowerCase().replace(/^@/, ''));
    if (!row) throw new NotFoundError('user', username);
    return row;
  }

  async setRoles(actor: Actor, username: string, roles: Role[]): Promise<UserView> {
    if (!isAdmin(actor)) throw new PermissionDeniedError('Only admins can change roles');
    roles = parseOrThrow(setRolesBody, { roles }).roles;
    assertKnownRoles(roles, this.knownRoles);
    const row = await this.requireUser(username);
    if (row.id === actor.userId && !roles.includes('admin')) {
      throw new ValidationError('You cannot remove your own admin role; ask another admin');
    }
    const unique = [...new Set(roles)];
    await this.store.updateUser(row.id, { roles: JSON.stringify(unique), updatedAt: this.nowIso() });
    this.deps.bus.publish('user.roles_changed', {
      userId: row.id,
      username: row.username,
      roles: unique,
      by: actor.username,
    });
    return toUserView({ ...row, roles: JSON.stringify(unique) });
  }

  async setPassword(actor: Actor, username: string, password: string): Promise<void> {
    const row = await this.requireUser(username);
    if (row.id !== actor.userId && !isAdmin(actor)) throw new PermissionDeniedError();
    await this.store.updateUser(row.id, {
      passwordHash: await hashPassword(password),
      updatedAt: this.nowIso(),
    });
    this.deps.bus.publish('user.password_set', {
      userId: row.id,
      username: row.username,
      by: actor.username,
    });
  }

  /** Checks a password; the same work is done whether or not the user exists. */
  async login(username: string, password: string): Promise<Session> {
    const row = await this.store.userByUsername(username.trim().toLowerCase());
    const hash = row?.passwordHash ?? (await decoyHash());
    const ok = await verifyPassword(hash, password);
    if (!row?.passwordHash || !ok || row.disabledAt !== null) {
      throw new UnauthenticatedError('Wrong username or password');
    }
    return this.startSession(row);
  }

  async startSession(row: UserRow): Promise<Session> {
    const sessionId = randomSecret(32);
    const csrfToken = randomSecret(24);
    const now = this.deps.clock.nowMs();
    const expiresAt = new Date(now + this.deps.sessionTtlHours * 3_600_000).toISOString();
    await this.store.insertSession({
      idHash: sha256Hex(sessionId),
      userId: row.id,
      csrfToken,
      createdAt: new Date(now).toISOString(),
      expiresAt,
    });
    this.deps.bus.publish('session.created', { userId: row.id, username: row.username });
    return { sessionId, csrfToken, user: toUserView(row), expiresAt };
  }

  async authenticateSession(sessionId: string): Promise<{ user: UserRow; csrfToken: string } | undefined> {
    const session = await this.store.sessionByHash(sha256Hex(sessionId));
    if (!session || session.expiresAt <= this.nowIso()) return undefined;
    const user = await this.store.userById(session.userId);
    if (!user || user.disabledAt !== null) return undefined;
    return { user, csrfToken: session.csrfToken };
  }

  async logout(sessionId: string): Promise<void> {
    await this.store.deleteSession(sha256Hex(sessionId));
  }

  async createToken(actor: Actor, input: CreateTokenInput): Promise<CreatedToken> {
    const data = parseOrThrow(createTokenBody, input);
    const owner =
      data.username === undefined
        ? await this.requireUserById(actor.userId)
        : await this.requireUser(data.username);
    if (owner.id !== actor.userId && !isAdmin(actor)) {
      throw new PermissionDeniedError('Only admins can create tokens for other users');
    }
    const scopes: TokenScope[] = data.scopes ?? ['read', 'write'];
    const ownerRoles = JSON.parse(owner.roles) as string[];
    if (scopes.includes('admin') && !ownerRoles.some((role) => this.adminRoles.includes(role))) {
      throw new ValidationError(
        `'${owner.username}' is not an admin, so the token cannot have the admin scope`,
      );
    }
    const token = TOKEN_PREFIX + randomSecret(32);
    const now = this.deps.clock.nowMs();
    const row = {
      id: this.deps.ids.next('t_'),
      userId: owner.id,
      name: data.name,
      tokenHash: sha256Hex(token),
      scopes: JSON.stringify(scopes),
      createdAt: new Date(now).toISOString(),
      lastUsedAt: null,
      expiresAt:
        data.expiresInDays === undefined
          ? null
          : new Date(now + data.expiresInDays * 86_400_000).toISOString(),
      revokedAt: null,
    };
    await this.store.insertToken(row);
    this.deps.bus.publish('token.created', {
      tokenId: row.id,
      userId: owner.id,
      name: row.name,
      by: actor.username,
    });
    return { ...row, username: owner.username, scopes, token };
  }

  async listTokens(actor: Actor, all: boolean): Promise<TokenView[]> {
    if (all && !isAdmin(actor)) throw new PermissionDeniedError('Only admins can list every token');
    return this.store.listTokens(all ? undefined : actor.userId);
  }

  async revokeToken(actor: Actor, tokenId: string): Promise<TokenView> {
    const token = await this.store.tokenViewById(tokenId);
    if (!token) throw new NotFoundError('token', tokenId);
    if (token.userId !== actor.userId && !isAdmin(actor)) throw new PermissionDeniedError();
    const at = this.nowIso();
    if (token.revokedAt === null) {
      await this.store.revokeToken(tokenId, at);
      this.deps.bus.publish('token.revoked', { tokenId, userId: token.userId, by: actor.username });
    }
    return { ...token, revokedAt: token.revokedAt ?? at };
  }

  async authenticateToken(token: string, channel: Channel): Promise<Actor | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const row = await this.store.tokenByHash(sha256Hex(token));
    const now = this.deps.clock.nowMs();
    if (!row || row.revokedAt !== null) return undefined;
    if (row.expiresAt !== null && Date.parse(row.expiresAt) <= now) return undefined;
    const user = await this.store.userById(row.userId);
    if (!user || user.disabledAt !== null) return undefined;
    if (row.lastUsedAt === null || now - Date.parse(row.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
      await this.store.markTokenUsed(row.id, new Date(now).toISOString());
    }
    return this.actorFor(user, channel, JSON.parse(row.scopes) as TokenScope[]);
  }

  private async requireUserById(id: string): Promise<UserRow> {
    const row = await this.store.userById(id);
    if (!row) throw new NotFoundError('user', id);
    return row;
  }
}
