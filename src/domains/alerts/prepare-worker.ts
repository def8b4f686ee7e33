import { parentPort } from 'node:worker_threads';
import { CodedError } from '../../core/errors.js';
import { type PayloadKind, type PrepareLimits, prepareDelivery } from './prepare-delivery.js';

// The worker thread of prepare-pool.ts: prepares the bodies it is sent, one at a time, and answers
// with the alerts or the refusal (its code, message and details, rebuilt on the other side).

export interface PrepareRequest {
  id: number;
  kind: PayloadKind;
  body: Uint8Array;
  limits: PrepareLimits;
  nowMs: number;
}

export type PrepareAnswer =
  | { id: number; alerts: ReturnType<typeof prepareDelivery> }
  | { id: number; refused: { code: string; message: string; details: Record<string, unknown> | undefined } }
  | { id: number; failed: string };

parentPort?.on('message', (request: PrepareRequest) => {
  let answer: PrepareAnswer;
  try {
    answer = {
      id: request.id,
      alerts: prepareDelivery(request.kind, request.body, request.limits, request.nowMs),
    };
  } catch (error) {
    answer =
      error instanceof CodedError
        ? { id: request.id, refused: { code: error.code, message: error.message, details: error.details } }
        : { id: request.id, failed: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(answer);
});
