// The alert parse thread (SQLite, beside the ingest thread): turns a hook's raw bytes into checked,
// routed alerts (JSON, validation, fingerprints, canonical JSON, routing tree, group keys) and hands
// them on packed to the ingest thread, which then only looks up and writes. The two stages run on
// different deliveries at once, so a storm's work spreads over both cores instead of queueing on
// one thread (docs/benchmarks.md, issue 6). A refused delivery is answered from here: it never
// reaches the ingest thread. Messages are handled one at a time, in order, synchronously.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { Integration } from '../integrations/schema.js';
import { packDelivery } from './delivery-wire.js';
import {
  type FromThread,
  type ParseThreadData,
  type ToIngestThread,
  type ToParseThread,
  threadError,
} from './ingest-messages.js';
import type { Prepared } from './ingest-prepare.js';
import { prepareDelivery } from './prepare-delivery.js';
import { routeAlerts } from './routed-delivery.js';
import { AlertRouter } from './routing.js';

function main(parent: MessagePort, ingest: MessagePort, data: ParseThreadData): void {
  const toMain = (message: FromThread) => parent.postMessage(message);
  const toIngest = (message: ToIngestThread) => ingest.postMessage(message);
  const router = new AlertRouter(data.route);
  const handOn = (
    message: { id: number; nowMs: number; integration: Integration },
    prepared: Prepared[],
    sourceUrl: string | undefined,
  ) => {
    const delivery = packDelivery(prepared, routeAlerts(router, prepared));
    toIngest({
      type: 'packed',
      id: message.id,
      nowMs: message.nowMs,
      integration: message.integration,
      sourceUrl,
      delivery,
    });
  };
  parent.on('message', (message: ToParseThread) => {
    switch (message.type) {
      case 'body':
      case 'prepared':
        try {
          if (message.type === 'prepared') handOn(message, message.prepared, undefined);
          else {
            const delivery = prepareDelivery(message.kind, message.body, data.limits, message.nowMs);
            handOn(message, delivery.prepared, delivery.sourceUrl);
          }
        } catch (error) {
          toMain({ type: 'failed', id: message.id, error: threadError(error) });
        }
        break;
      case 'resolved':
        toIngest(message);
        break;
      case 'close':
        toIngest(message);
        ingest.close();
        parent.close();
        break;
    }
  });
  toMain({ type: 'ready' });
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
