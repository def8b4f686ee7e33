// The alert ingest thread (SQLite): a worker thread with its own connection to the database file that
// parses and stores deliveries (the write half of ingest.ts), so that alert ingest runs off the event
// loop, which keeps serving chat, cards and the API. Idle, it parses a delivery itself; while it is
// writing, it hands the raw bytes of the next ones to its parse thread (parse-thread.ts) and gets
// them back routed and packed; either way they are written in the order they arrived
// (delivery-order.ts). It answers the main thread with what it must announce
// (ingest-thread-client.ts). Every write to the alert tables on SQLite goes through here while the
// thread runs: its KnownAlerts is the identity check (no unique index on SQLite, see migration 013),
// so there can be only one writer of alerts.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { CancelTimer, Clock } from '../../core/clock.js';
import { InProcessEventBus } from '../../runtime/event-bus.js';
import { PersistentScheduler } from '../../runtime/persistent-scheduler.js';
import { openSqlite } from '../../storage/database.js';
import { WriteLock } from '../../storage/write-lock.js';
import type { Integration } from '../integrations/schema.js';
import { DeliveryOrder } from './delivery-order.js';
import { SettingsCache, unpackDelivery } from './delivery-wire.js';
import { packFacts } from './facts-wire.js';
import { FlapDetector } from './flap-detector.js';
import { AlertIngestion } from './ingest.js';
import type { WriteOutcome } from './ingest-classify.js';
import {
  type FromParseThread,
  type FromThread,
  type ThreadError,
  type ToIngestThread,
  type ToParseThread,
  threadError,
} from './ingest-messages.js';
import type { Prepared } from './ingest-prepare.js';
import { Inhibitor } from './inhibition.js';
import { KnownAlerts } from './known-alerts.js';
import { prepareDelivery } from './prepare-delivery.js';
import { type RoutedGroup, routeAlerts } from './routed-delivery.js';
import { AlertRouter, type RouteSpec } from './routing.js';

type Parsed = { prepared: Prepared[]; routes: RoutedGroup[][] };

import { SqliteAlertStatements } from './sqlite-alert-statements.js';

export interface IngestThreadData {
  file: string;
  route: RouteSpec;
  flap: { changes: number; window: number };
  limits: { maxAlerts: number; maxLabels: number };
  /** The main thread's clock at start: alerts created in the day before it are loaded. */
  nowMs: number;
  /** Room names the routes use, already made, to their ids. */
  rooms: Record<string, string>;
  /** The database's write lock (storage/write-lock.ts), shared with the main thread's connection. */
  lockBuffer: SharedArrayBuffer;
}

/** Time as the main thread last said it was: deliveries carry it, so tests' FakeClock reaches here. */
class StampedClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  nowMs(): number {
    return this.ms;
  }
  setTimer(): CancelTimer {
    throw new Error('the ingest thread arms no timers: the main thread does, after the commit');
  }
}

async function main(port: MessagePort, toParse: MessagePort, data: IngestThreadData): Promise<void> {
  const send = (message: FromThread) => port.postMessage(message);
  const clock = new StampedClock(data.nowMs);
  // Commits never checkpoint here: the main connection's background checkpointer does.
  const database = openSqlite(data.file, {
    checkpoint: 'inline',
    writeLock: new WriteLock(data.lockBuffer),
  });
  database.sqlite!.pragma('wal_autocheckpoint = 0');
  const { db } = database;
  const known = new KnownAlerts();
  await known.load(db, new Date(data.nowMs - 86_400_000).toISOString());
  const rooms = new Map(Object.entries(data.rooms));
  const roomRequests = new Map<number, { resolve: (id: string) => void; reject: (e: Error) => void }>();
  let nextRoomRequest = 0;
  const roomId = (name: string): Promise<string> => {
    const cached = rooms.get(name);
    if (cached !== undefined) return Promise.resolve(cached);
    // A room the routes did not name at start: the main thread (chat) finds or makes it.
    return new Promise((resolve, reject) => {
      const id = nextRoomRequest++;
      roomRequests.set(id, {
        resolve: (roomIdFound) => {
          rooms.set(name, roomIdFound);
          resolve(roomIdFound);
        },
        reject,
      });
      send({ type: 'room', id, name });
    });
  };
  const onError = (error: unknown, step: string) => send({ type: 'error', error: threadError(error), step });
  const router = new AlertRouter(data.route);
  const ingestion = new AlertIngestion({
    db,
    clock,
    bus: new InProcessEventBus(clock),
    scheduler: new PersistentScheduler({
      db,
      clock,
      sqlite: database.sqlite,
      onError: (error) => onError(error, 'persist'),
    }),
    router: () => router,
    inhibitor: new Inhibitor([]),
    flap: new FlapDetector(clock, { changes: data.flap.changes, windowMs: data.flap.window }),
    roomId,
    limits: data.limits,
    known,
    statements: new SqliteAlertStatements(database.sqlite!),
    // A transaction holds the database's write lock: about 7 ms at most, so the main thread's writers
    // (cards, chat, audit) never wait long behind a storm. Larger batches than the 300 alerts of
    // before cost less per alert on both threads: each commit of this thread empties the main
    // connection's page cache (SQLite drops it when another connection wrote), so fewer commits
    // leave the card flushes' reads warm; and fewer hand-overs of the lock. At 16 posters of
    // 100-alert bodies: 300 → 2.2-2.4 ms of CPU per body, 1000 → 1.9-2.1 ms (docs/benchmarks.md).
    groupCommitAlerts: 1000,
  });

  const store = async (id: number, work: () => Promise<WriteOutcome>) => {
    try {
      const outcome = await work();
      send({
        type: 'done',
        id,
        outcome: {
          ...outcome,
          fired: packFacts(outcome.fired),
          resolvedAlerts: packFacts(outcome.resolvedAlerts),
        },
      });
    } catch (error) {
      send({ type: 'failed', id, error: threadError(error) });
    }
  };
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const settings = new SettingsCache();
  const order = new DeliveryOrder();
  /** Deliveries the parse thread is parsing: where each one's work goes in line, and its sender. */
  const parsing = new Map<number, { place: (run: () => void) => void; integration: Integration }>();
  const write = (id: number, integration: Integration, sourceUrl: string | undefined, parsed: Parsed) =>
    track(
      store(id, async () => {
        const { prepared, routes } = parsed;
        const outcome = await ingestion.store(integration, prepared, routes);
        outcome.sourceUrl = sourceUrl;
        return outcome;
      }),
    );
  const refuse = (id: number, error: ThreadError) => send({ type: 'failed', id, error });
  const closing = () => {
    toParse.postMessage({ type: 'close' } satisfies ToParseThread);
    toParse.close();
    void (async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await database.close();
      send({ type: 'closed' });
      port.close();
    })();
  };
  port.on('message', (message: ToIngestThread) => {
    switch (message.type) {
      case 'body': {
        clock.ms = Math.max(clock.ms, message.nowMs);
        const busy = order.waiting > 0 || ingestion.busy;
        const place = order.take();
        if (busy) {
          // Writes are under way: the parse thread parses this one meanwhile (its bytes move there).
          parsing.set(message.id, { place, integration: message.integration });
          const { id, nowMs, kind, body } = message;
          toParse.postMessage({ type: 'body', id, nowMs, kind, body } satisfies ToParseThread, [
            body.buffer as ArrayBuffer,
          ]);
          break;
        }
        // Idle: parsed here and now, without the hop to the parse thread and back.
        try {
          const { prepared, sourceUrl } = prepareDelivery(
            message.kind,
            message.body,
            data.limits,
            message.nowMs,
          );
          const parsed = { prepared, routes: routeAlerts(router, prepared) };
          place(() => write(message.id, message.integration, sourceUrl, parsed));
        } catch (error) {
          place(() => refuse(message.id, threadError(error)));
        }
        break;
      }
      case 'prepared': {
        clock.ms = Math.max(clock.ms, message.nowMs);
        const place = order.take();
        const parsed = { prepared: message.prepared, routes: routeAlerts(router, message.prepared) };
        place(() => write(message.id, message.integration, undefined, parsed));
        break;
      }
      case 'resolved':
        order.take()(() => known.markResolved(message.alerts));
        break;
      case 'room': {
        const request = roomRequests.get(message.id);
        roomRequests.delete(message.id);
        if (message.roomId !== undefined) request?.resolve(message.roomId);
        else request?.reject(new Error(message.error ?? 'no room'));
        break;
      }
      case 'close':
        order.take()(closing);
        break;
    }
  });
  toParse.on('message', (message: FromParseThread) => {
    const waiting = parsing.get(message.id);
    parsing.delete(message.id);
    if (!waiting) return;
    const { place, integration } = waiting;
    if (message.type === 'failed') place(() => refuse(message.id, message.error));
    else {
      const parsed = unpackDelivery(message.delivery, settings);
      place(() => write(message.id, integration, message.sourceUrl, parsed));
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromThread);
}

const started = workerData as { ingestThread?: IngestThreadData; parsePort?: MessagePort } | undefined;
if (parentPort && started?.ingestThread && started.parsePort) {
  const port = parentPort;
  main(port, started.parsePort, started.ingestThread).catch((error: unknown) => {
    port.postMessage({ type: 'error', error: threadError(error), step: 'start' } satisfies FromThread);
    process.exit(1);
  });
}
