import type { Integration } from '../integrations/schema.js';
import type { IngestResult } from './ingest-classify.js';
import type { Prepared } from './ingest-prepare.js';
import type { PayloadKind } from './prepare-delivery.js';
import type { IncomingAlert } from './schema.js';

/** Where a hook's body came from (the peer of its connection). */
export interface SenderAddress {
  address?: string | undefined;
}

/**
 * The way in to the alert pipeline's write half. In this thread (AlertIngestion, ingest.ts: PostgreSQL,
 * in-memory SQLite) or through the ingest thread (IngestThread, ingest-thread-client.ts: a SQLite file).
 * Each resolves after the delivery's commit, with what it changed; a ValidationError or CodedError
 * means nothing was stored.
 */
export interface Ingestion {
  ingest(integration: Integration, alerts: readonly IncomingAlert[]): Promise<IngestResult>;
  ingestPrepared(integration: Integration, prepared: Prepared[]): Promise<IngestResult>;
  /**
   * A hook's raw body: parsed, checked and stored; `from`: the IP address it came from. The bytes are
   * handed over: the caller must not read `body` afterwards (a thread may have taken its memory).
   */
  ingestBody(
    kind: PayloadKind,
    integration: Integration,
    body: Uint8Array,
    from?: SenderAddress,
  ): Promise<IngestResult>;
  /** Alerts resolved outside a delivery (the Resolve button), for the index of known alerts. */
  markResolved(alerts: readonly { integrationId: string; fingerprint: string; startsAt: string }[]): void;
  /** Finishes the deliveries under way. */
  close(): Promise<void>;
}
