import { CodedError, ErrorCode } from '../../core/errors.js';
import { type Prepared, prepareAlerts } from './ingest-prepare.js';
import { type ParsedDelivery, parseAlertmanager, parseGeneric, parseGrafana } from './parse-payloads.js';

// From a hook's raw body to the pipeline's prepared alerts, in one synchronous step with no I/O and
// no clock (the time comes in). On a SQLite file the ingest thread runs it, or the parse thread while
// the ingest thread writes (parse-thread.ts); handing the alerts on as objects cost the receiver about
// what parsing them did, so they travel packed (delivery-wire.ts).

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict JSON from the raw body: invalid UTF-8 or JSON is a 400 `E_BAD_JSON`, never a partial store. */
export function parseJsonBody(body: unknown): unknown {
  if (!(body instanceof Uint8Array) || body.length === 0)
    throw new CodedError(ErrorCode.BadJson, 'The body is empty: send JSON');
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new CodedError(ErrorCode.BadJson, 'The body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CodedError(ErrorCode.BadJson, `The body is not valid JSON: ${(error as Error).message}`);
  }
}

export type PayloadKind = 'alertmanager' | 'grafana' | 'generic';

const PARSERS: Record<PayloadKind, (body: unknown) => ParsedDelivery> = {
  alertmanager: parseAlertmanager,
  grafana: parseGrafana,
  generic: parseGeneric,
};

export interface PrepareLimits {
  maxAlerts: number;
  maxLabels: number;
}

export interface PreparedDelivery {
  prepared: Prepared[];
  /**
   * The Alertmanager that sent it (its `externalURL`): where the alerts' current state can be asked
   * for (reconcile.ts). Absent for other senders.
   */
  sourceUrl: string | undefined;
}

/** Parses, checks and normalises a delivery; CodedError (bad JSON) or ValidationError when refused. */
export function prepareDelivery(
  kind: PayloadKind,
  body: Uint8Array,
  limits: PrepareLimits,
  nowMs: number,
): PreparedDelivery {
  const parsed = PARSERS[kind](parseJsonBody(body));
  return {
    prepared: prepareAlerts(parsed.alerts, limits, nowMs, parsed.groupBy),
    sourceUrl: kind === 'alertmanager' ? parsed.externalUrl : undefined,
  };
}
