import type { Kysely, Selectable } from 'kysely';
import type { Role, TokenScope } from '../../core/actor.js';
import type { ApiTokensTable, DB, UsersTable } from '../../storage/tables.js';
import type { TokenView, UserView } from './schema.js';

export type UserRow = Selectable<UsersTable>;
type TokenRow = Selectable<ApiTokensTable>;

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    roles: JSON.parse(row.roles) as Role[],
    hasPassword: row.passwordHash !== null,
    createdAt: row.createdAt,
    disabled: row.disabledAt !== null,
  };
}

function toTokenView(row: TokenRow & { username: string }): TokenView {
  return {
    id: row.id,
    userId: row.userId,
    username: row.username,
    name: row.name,
    scopes: JSON.parse(row.scopes) as TokenScope[],
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

/** Queries for users, tokens, sessions and settings. No rules here: the service decides. */
export class IdentityStore {
  constructor(private readonly db: Kysely<DB>) {}

  countUsers(): Promise<number> {
    return this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  userByUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  userById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listUsers(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async insertUser(row: UserRow): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async updateUser(id: string, changes: Partial<Omit<UserRow, 'id'>>): Promise<void> {
    await this.db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  async insertToken(row: TokenRow): Promise<void> {
    await this.db.insertInto('apiTokens').values(row).execute();
  }

  tokenByHash(hash: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('apiTokens').selectAll().where('tokenHash', '=', hash).executeTakeFirst();
  }

  async tokenViewById(id: string): Promise<TokenView | undefined> {
    const row = await this.db
      .selectFrom('apiTokens')
      .innerJoin('users', 'users.id', 'apiTokens.userId')
      .selectAll('apiTokens')
      .select('users.username')
      .where('apiTokens.id', '=', id)
      .executeTakeFirst();
    return row && toTokenView(row);
  }

  async listTokens(userId?: string): Promise<TokenView[]> {
    let query = this.db
      .selectFrom('apiTokens')
      .innerJoin('users', 'users.id', 'apiTokens.userId')
      .selectAll('apiTokens')
      .select('users.username')
      .orderBy('apiTokens.createdAt', 'desc');
    if (userId !== undefined) query = query.where('apiTokens.userId', '=', userId);
    return (await query.execute()).map(toTokenView);
  }

  async markTokenUsed(id: string, at: string): Promise<void> {
    await this.db.updateTable('apiTokens').set({ lastUsedAt: at }).where('id', '=', id).execute();
  }

  async revokeToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('apiTokens').set({ revokedAt: at }).where('id', '=', id).execute();
  }

  async insertSession(row: {
    idHash: string;
    userId: string;
    csrfToken: string;
    createdAt: string;
    expiresAt: string;
  }) {
    await this.db.insertInto('sessions').values(row).execute();
  }

  sessionByHash(idHash: string) {
    return this.db.selectFrom('sessions').selectAll().where('idHash', '=', idHash).executeTakeFirst();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('idHash', '=', idHash).execute();
  }

  async deleteExpiredSessions(now: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('expiresAt', '<', now).execute();
  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }

  async putSetting(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async deleteSetting(key: string): Promise<void> {
    await this.db.deleteFrom('settings').where('key', '=', key).execute();
  }
}
