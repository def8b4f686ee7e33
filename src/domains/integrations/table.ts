export interface IntegrationsTable {
  id: string;
  /** One of INTEGRATION_KINDS. */
  kind: string;
  name: string;
  roomId: string | null;
  /** sha256 of the URL token (token kinds); NULL for GitHub, which signs with a secret instead. */
  tokenHash: string | null;
  /** GitHub: the named secret (encrypted at rest) holding the HMAC key. */
  secretName: string | null;
  /** JSON: per-kind settings, e.g. a heartbeat's `intervalSeconds`. */
  settings: string;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface GithubDeliveriesTable {
  deliveryId: string;
  integrationId: string;
  receivedAt: string;
}

declare module '../../storage/tables.js' {
  interface DB {
    integrations: IntegrationsTable;
    githubDeliveries: GithubDeliveriesTable;
  }
}
