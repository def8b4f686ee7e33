/**
 * The alerts domain: ingestion, the pipeline and one card per alert group.
 *
 * API for the rest of the app (kept stable; the Slack-compatible endpoints and the benchmarks use it):
 *
 * - `app.integrations: IntegrationService` (src/domains/integrations/service.ts)
 *   - `create(actor, { kind, room, name?, intervalSeconds? })` → `{ integration, url, token?, secret? }`
 *     (admin; kinds: alertmanager, grafana, generic, github, heartbeat, slack). `token` (shown once) is
 *     in `url`; GitHub gets `secret` (the HMAC key) and a URL with the integration id instead.
 *   - `authenticate(kind, token)` → `Integration` (`{ id, kind, name, roomId, … }`) or throws
 *     `UnauthenticatedError` (401 `E_UNAUTHENTICATED`). Token compared by sha256 in constant time,
 *     cached in memory, revocation seen at once.
 *   - `list(actor)`, `revoke(actor, id)`, `get(id)`.
 * - `app.alerts.ingestion: Ingestion` (ingestion-port.ts: in this thread, ingest.ts, or the ingest thread, ingest-thread-client.ts)
 *   - `ingest(integration, alerts: IncomingAlert[], meta?)` → `IngestResult`: the whole pipeline for one
 *     delivery in ONE transaction (upsert keyed by integration, fingerprint, startsAt; groups; events;
 *     timers), resolved after the commit. Throws ValidationError (400) for bad alerts, nothing stored.
 *   - `IncomingAlert`: `{ labels, annotations?, status: 'firing'|'resolved', startsAt?, endsAt?,
 *     generatorUrl?, dedupKey? }` (schema.ts).
 * - `app.alerts.idle()`: resolves when every due group flush (cards) has run (tests, benchmarks).
 * - Hook routes (routes-hooks.ts): `POST /hooks/alertmanager/:token`, `/hooks/grafana/:token`,
 *   `/hooks/generic/:token`, `/hooks/github/:id`, `/hooks/heartbeat/:name/:token`; all public,
 *   body limit `alerts.max_body_bytes`.
 * - Bus events: `alert.group.changed` (a group's status changed), `alert.fired`, `alert.resolved`.
 */
export { type AlertsDomain, startAlerts } from './start-alerts.js';
