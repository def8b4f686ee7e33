/** The row type of `secrets` (migration 004), merged into the Kysely DB interface. */
export interface SecretsTable {
  name: string;
  ciphertext: string;
  iv: string;
  authTag: string;
  keyId: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

declare module '../../storage/tables.js' {
  interface DB {
    secrets: SecretsTable;
  }
}
