// The alert parse thread (SQLite, beside the ingest thread): while the ingest thread is busy writing,
// it hands the raw bytes of the deliveries that queue up to this thread, which parses, checks and
// routes them (JSON, validation, fingerprints, canonical JSON, routing tree, group keys) and sends
// them back packed (delivery-wire.ts), so a storm's parsing runs beside its writes instead of
// queueing on one thread. Only the ingest thread talks to it (their own channel), one message at a
// time, in order; the main thread hears from it only that it is ready, or failed to start.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { packDelivery } from './delivery-wire.js';
import {
  type FromParseThread,
  type FromThread,
  type ParseThreadData,
  type ToParseThread,
  threadError,
} from './ingest-messages.js';
import { prepareDelivery } from './prepare-delivery.js';
import { routeAlerts } from './routed-delivery.js';
import { AlertRouter } from './routing.js';

function main(parent: MessagePort, ingest: MessagePort, data: ParseThreadData): void {
  const toIngest = (message: FromParseThread) => ingest.postMessage(message);
  const router = new AlertRouter(data.route);
  ingest.on('message', (message: ToParseThread) => {
    if (message.type === 'close') {
      ingest.close();
      parent.close();
      return;
    }
    try {
      const { prepared, sourceUrl } = prepareDelivery(message.kind, message.body, data.limits, message.nowMs);
      const delivery = packDelivery(prepared, routeAlerts(router, prepared));
      toIngest({ type: 'packed', id: message.id, sourceUrl, delivery });
    } catch (error) {
      toIngest({ type: 'failed', id: message.id, error: threadError(error) });
    }
  });
  parent.postMessage({ type: 'ready' } satisfies FromThread);
}

const started = workerData as { parseThread?: ParseThreadData; ingestPort?: MessagePort } | undefined;
if (parentPort && started?.parseThread && started.ingestPort) {
  const parent = parentPort;
  try {
    main(parent, started.ingestPort, started.parseThread);
  } catch (error) {
    parent.postMessage({ type: 'error', error: threadError(error), step: 'start' } satisfies FromThread);
    process.exit(1);
  }
}
