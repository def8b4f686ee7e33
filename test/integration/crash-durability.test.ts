import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { createTestDatabase, DIALECTS } from '../support/databases.js';
import { offlineAdminToken } from '../support/offline-admin.js';
import { freePort, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { contiguous, WsTestClient } from '../support/ws-client.js';

const TOTAL = 2000;
const IN_FLIGHT = 64;
/** SIGKILL once this many posts are acknowledged: well inside the burst. */
const KILL_AFTER = 400;

interface StoredEvent {
  seq: number;
  event: string;
  data: { id?: string; text?: string };
}

async function allEvents(base: string, auth: Record<string, string>, room: string): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (;;) {
    const after = out.at(-1)?.seq ?? 0;
    const res = await fetch(`${base}/api/rooms/${room}/events?after=${after}&limit=1000`, { headers: auth });
    assert.equal(res.status, 200);
    const page = (await res.json()) as { events: StoredEvent[] };
    out.push(...page.events);
    if (page.events.length < 1000) return out;
  }
}

describe('crash durability', () => {
  for (const dialect of DIALECTS) {
    test(`kill -9 during a burst of posts on ${dialect}: acknowledged posts survive, WebSocket resumes exactly`, {
      timeout: 60_000,
    }, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-crash-'));
      const pgDatabase = dialect === 'postgres' ? await createTestDatabase('postgres') : undefined;
      const servers: ServerProcess[] = [];
      try {
        let token: string;
        if (pgDatabase) {
          token = await offlineAdminToken(pgDatabase, 'crash test');
        } else {
          const database = openDatabase({ dataDir });
          await migrateToLatest(database);
          token = await offlineAdminToken(database, 'crash test');
          await database.close();
        }
        const auth = { authorization: `Bearer ${token}` };
        const port = await freePort();
        const options = { dataDir, port, ...(pgDatabase ? { databaseUrl: pgDatabase.url } : {}) };
        const first = await startServerProcess(options);
        servers.push(first);
        const created = await fetch(`${first.url}/api/rooms`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'crash' }),
        });
        assert.equal(created.status, 201);
        const room = (await created.json()) as { id: string; lastSeq: number };
        const wsUrl = `${first.url.replace(/^http/, 'ws')}/api/ws`;

        // A client following the room from before the burst.
        const watcher = await WsTestClient.open(wsUrl, auth);
        await watcher.request({
          type: 'subscribe',
          id: 's',
          rooms: [{ room: room.id, after: room.lastSeq }],
        });

        const acknowledged = new Map<number, { id: string; seq: number } | undefined>();
        let next = 0;
        let killing: Promise<void> | undefined;
        const worker = async () => {
          while (killing === undefined && next < TOTAL) {
            const i = next++;
            try {
              const res = await fetch(`${first.url}/api/rooms/crash/messages`, {
                method: 'POST',
                headers: { ...auth, 'content-type': 'application/json' },
                body: JSON.stringify({ text: `burst ${i}` }),
              });
              if (res.status !== 201) {
                await res.body?.cancel();
                continue;
              }
              // The status alone counts as the acknowledgement; the body may be cut off by the kill.
              acknowledged.set(i, undefined);
              acknowledged.set(i, (await res.json()) as { id: string; seq: number });
            } catch {
              // In flight when the server died: never acknowledged, so it may or may not be stored.
            }
            if (acknowledged.size >= KILL_AFTER && killing === undefined) killing = first.stop('SIGKILL');
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
        await killing;
        assert.ok(acknowledged.size >= KILL_AFTER, `only ${acknowledged.size} posts were acknowledged`);
        assert.ok(next < TOTAL, 'the kill came after the burst had finished');
        await watcher.closed();
        const before = watcher.seqs(room.id);
        const lastSeen = before.at(-1) ?? room.lastSeq;
        assert.ok(contiguous(before, room.lastSeq + 1, lastSeen), 'live events before the crash had a gap');

        const second = await startServerProcess(options);
        servers.push(second);
        const events = await allEvents(second.url, auth, 'crash');
        const lastSeq = events.at(-1)?.seq ?? 0;
        assert.ok(
          contiguous(
            events.map((e) => e.seq),
            1,
            lastSeq,
          ),
          'the stored stream has a gap',
        );
        const stored = new Map(
          events.filter((e) => e.event === 'message.created').map((e) => [e.data.text, e] as const),
        );
        const lost = [...acknowledged.keys()].filter((i) => !stored.has(`burst ${i}`));
        assert.deepEqual(lost, [], `${lost.length} acknowledged posts are missing after the restart`);
        for (const [i, ack] of acknowledged) {
          if (!ack) continue;
          const event = stored.get(`burst ${i}`)!;
          assert.equal(event.data.id, ack.id);
          assert.equal(event.seq, ack.seq);
        }

        // Resume from the last seq seen before the crash: exactly the rest, once each.
        const resumed = await WsTestClient.open(`${second.url.replace(/^http/, 'ws')}/api/ws`, auth);
        const subscribed = await resumed.request({
          type: 'subscribe',
          id: 'r',
          rooms: [{ room: room.id, after: lastSeen }],
        });
        assert.equal((subscribed.rooms as { lastSeq: number }[])[0]?.lastSeq, lastSeq);
        await resumed.request({ type: 'ping', id: 'settle' });
        assert.ok(
          contiguous(resumed.seqs(room.id), lastSeen + 1, lastSeq),
          `resume after ${lastSeen} should give ${lastSeen + 1}..${lastSeq}`,
        );
        resumed.close();
      } finally {
        for (const server of servers) await server.stop('SIGTERM');
        await pgDatabase?.dispose();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
