import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import type { KyselyPlugin } from 'kysely';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import type { Actor } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { IdGenerator } from '../../core/ids.js';
import { InProcessEventBus } from '../../runtime/event-bus.js';
import { openSqlite } from '../../storage/database.js';
import { WriteLock } from '../../storage/write-lock.js';
import { type ChatDomain, createChatDomain } from './index.js';

/** Counts the queries that touch `rooms` or `room_members`, as SQL text. */
function roomQueryCounter() {
  const counter = { n: 0, plugin: undefined as unknown as KyselyPlugin };
  counter.plugin = {
    transformQuery: (args) => {
      const text = JSON.stringify(args.node);
      if (/"name":"(rooms|room_members)"/.test(text) && args.node.kind === 'SelectQueryNode') counter.n++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return counter;
}

const actor = (userId: string): Actor => ({ userId, username: userId, roles: ['member'], channel: 'api' });

for (const dialect of DIALECTS) {
  describe(`room access stays right with the room cache on ${dialect}`, () => {
    let database: TestDatabase;
    let chat: ChatDomain;
    const reads = roomQueryCounter();
    before(async () => {
      database = await createTestDatabase(dialect);
      const now = '2026-01-01T00:00:00.000Z';
      for (const id of ['alice', 'bob'])
        await database.db
          .insertInto('users')
          .values({
            id,
            username: id,
            displayName: id,
            roles: '["member"]',
            createdAt: now,
            updatedAt: now,
            disabledAt: null,
          })
          .execute();
      const clock = new FakeClock();
      chat = createChatDomain({
        database,
        db: database.db.withPlugin(reads.plugin),
        clock,
        ids: new IdGenerator(clock),
        bus: new InProcessEventBus(clock),
        maxMessageLength: 4000,
        filesDir: '/nonexistent',
        maxFileBytes: 1,
      });
    });
    after(() => database.dispose());

    test('leaving a private room takes effect at once', async () => {
      const room = await chat.rooms.create(actor('alice'), {
        name: 'leavers',
        kind: 'private',
        members: ['bob'],
      });
      await chat.messages.post(actor('bob'), room.id, { text: 'hi' });
      await chat.messages.post(actor('bob'), room.id, { text: 'again' });
      await chat.rooms.leave(actor('bob'), room.id);
      await assert.rejects(chat.messages.post(actor('bob'), room.id, { text: 'still here?' }), {
        code: 'E_PERMISSION_DENIED',
      });
      await chat.rooms.addMember(actor('alice'), room.id, 'bob');
      await chat.messages.post(actor('bob'), room.id, { text: 'back' });
    });

    test('a topic change and every new event show in the room as read', async () => {
      const room = await chat.rooms.create(actor('alice'), { name: 'topics' });
      await chat.rooms.get(actor('alice'), 'topics');
      await chat.rooms.setTopic(actor('alice'), '#topics', 'Deploys');
      const posted = await chat.messages.post(actor('alice'), room.id, { text: 'one' });
      const seen = await chat.rooms.get(actor('alice'), room.id);
      assert.equal(seen.topic, 'Deploys');
      assert.equal(seen.lastSeq, posted.seq);
      const readable = await chat.access.readable(actor('bob'), 'topics');
      assert.equal(readable.isMember, false);
      await chat.messages.post(actor('bob'), 'topics', { text: 'joins by posting' });
      assert.equal((await chat.access.readable(actor('bob'), 'topics')).isMember, true);
    });

    if (dialect === 'sqlite') {
      test('posting again in a room reads neither the room nor the membership again', async () => {
        const room = await chat.rooms.create(actor('alice'), { name: 'busy' });
        await chat.messages.post(actor('alice'), room.id, { text: 'first' });
        const before = reads.n;
        for (let i = 0; i < 5; i++) await chat.messages.post(actor('alice'), room.id, { text: `n${i}` });
        assert.equal(reads.n, before);
      });

      test("the alert ingest thread's commits (a connection sharing the write lock) keep the cache", async () => {
        const room = await chat.rooms.create(actor('alice'), { name: 'storm' });
        await chat.messages.post(actor('alice'), room.id, { text: 'first' });
        // A second connection of this process, as the ingest thread opens: its own WriteLock instance
        // over the same buffer.
        const sibling = openSqlite(database.url.replace(/^sqlite:/, ''), {
          checkpoint: 'inline',
          writeLock: new WriteLock(database.writeLock!.buffer),
        });
        const before = reads.n;
        for (let i = 0; i < 5; i++) {
          await sibling.db
            .insertInto('alertEvents')
            .values({ at: '2026-01-01T00:00:00.000Z', kind: 'fired', actor: null, detail: '{}' })
            .execute();
          await chat.messages.post(actor('alice'), room.id, { text: `during the storm ${i}` });
        }
        await sibling.close();
        assert.equal(reads.n, before, 'room and membership reads while only the sibling wrote');
      });

      test("an offline CLI's write in the same second as the ingest thread's is seen once that second is over", async () => {
        const room = await chat.rooms.create(actor('alice'), {
          name: 'masked',
          kind: 'private',
          members: ['bob'],
        });
        await chat.messages.post(actor('bob'), room.id, { text: 'member' });
        const sibling = openSqlite(database.url.replace(/^sqlite:/, ''), {
          checkpoint: 'inline',
          writeLock: new WriteLock(database.writeLock!.buffer),
        });
        const insertEvent = () =>
          sibling.db
            .insertInto('alertEvents')
            .values({ at: '2026-01-01T00:00:00.000Z', kind: 'fired', actor: null, detail: '{}' })
            .execute();
        // A sibling commit moves the version (none for a second before), so the next ones fall in
        // its second: the CLI's commit among them is let pass as a sibling's.
        await insertEvent();
        await chat.messages.post(actor('alice'), room.id, { text: 'storm starts' });
        await insertEvent();
        const cli = new SqliteDatabase(database.url.replace(/^sqlite:/, ''));
        cli.prepare('DELETE FROM room_members WHERE room_id = ? AND user_id = ?').run(room.id, 'bob');
        cli.close();
        await sibling.close();
        // Read within that second (the cache may still say Bob is a member: at most a second stale).
        await chat.rooms.get(actor('alice'), room.id);
        // Nothing commits after it; once the second is over the cache is emptied all the same.
        await new Promise((r) => setTimeout(r, 1100));
        await assert.rejects(chat.messages.post(actor('bob'), room.id, { text: 'gone?' }), {
          code: 'E_PERMISSION_DENIED',
        });
      });

      test('a write by another connection (an offline CLI) empties the cache', async () => {
        const room = await chat.rooms.create(actor('alice'), {
          name: 'elsewhere',
          kind: 'private',
          members: ['bob'],
        });
        await chat.messages.post(actor('bob'), room.id, { text: 'member' });
        const cli = new SqliteDatabase(database.url.replace(/^sqlite:/, ''));
        cli.prepare('DELETE FROM room_members WHERE room_id = ? AND user_id = ?').run(room.id, 'bob');
        cli.prepare('UPDATE rooms SET topic = ? WHERE id = ?').run('set offline', room.id);
        cli.close();
        await assert.rejects(chat.messages.post(actor('bob'), room.id, { text: 'gone?' }), {
          code: 'E_PERMISSION_DENIED',
        });
        assert.equal((await chat.rooms.get(actor('alice'), room.id)).topic, 'set offline');
      });
    }
  });
}
