import type { Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { SecretView } from './schema.js';
import type { SecretsTable } from './table.js';
import './table.js';

/** Queries for the `secrets` table. No rules and no crypto here: the service decides. */
export class SecretStore {
  constructor(private readonly db: Kysely<DB>) {}

  get(name: string): Promise<SecretsTable | undefined> {
    return this.db.selectFrom('secrets').selectAll().where('name', '=', name).executeTakeFirst();
  }

  all(): Promise<SecretsTable[]> {
    return this.db.selectFrom('secrets').selectAll().orderBy('name').execute();
  }

  list(): Promise<SecretView[]> {
    return this.db
      .selectFrom('secrets')
      .select(['name', 'createdAt', 'updatedAt', 'updatedBy'])
      .orderBy('name')
      .execute();
  }

  /** Inserts or replaces in one statement, so two concurrent sets of a new name cannot collide. */
  async upsert(row: SecretsTable): Promise<void> {
    const { name: _name, createdAt: _createdAt, ...changes } = row;
    await this.db
      .insertInto('secrets')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet(changes))
      .execute();
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('secrets').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
