import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { SqliteRoomWrites } from './sqlite-room-writes.js';

const AT = '2026-01-01T00:00:00.000Z';

describe('chat writes as prepared statements on SQLite', () => {
  let database: TestDatabase;
  let writes: SqliteRoomWrites;
  const message = (id: string) => ({
    id,
    roomId: 'r_1',
    userId: 'u_1',
    threadId: null,
    text: 'hello',
    card: null,
    mentions: '[]',
    files: null,
    createdAt: AT,
    editedAt: null,
    deletedAt: null,
  });
  const lastSeq = async () =>
    (
      await database.db
        .selectFrom('rooms')
        .select('lastSeq')
        .where('id', '=', 'r_1')
        .executeTakeFirstOrThrow()
    ).lastSeq;

  before(async () => {
    database = await createTestDatabase('sqlite');
    writes = new SqliteRoomWrites(database.db, database.sqlite!, database.writeLock!);
    await database.db
      .insertInto('users')
      .values({
        id: 'u_1',
        username: 'u1',
        displayName: 'u1',
        roles: '["member"]',
        createdAt: AT,
        updatedAt: AT,
        disabledAt: null,
      })
      .execute();
    await database.db
      .insertInto('rooms')
      .values({
        id: 'r_1',
        name: 'one',
        kind: 'public',
        topic: '',
        createdBy: 'u_1',
        createdAt: AT,
        archivedAt: null,
        lastSeq: 0,
      })
      .execute();
  });
  after(() => database.dispose());

  test('a message and its event: the next seq, the frame stored as returned', async () => {
    const event = await writes.write((w) => {
      w.insertMessage(message('m_1'));
      return w.appendEvent({ type: 'message.created', roomId: 'r_1', at: AT, data: { id: 'm_1' } });
    });
    assert.equal(event.seq, 1);
    assert.deepEqual(JSON.parse(event.frame), {
      type: 'event',
      event: 'message.created',
      roomId: 'r_1',
      seq: 1,
      at: AT,
      data: { id: 'm_1' },
    });
    const stored = await database.db
      .selectFrom('roomEvents')
      .selectAll()
      .where('roomId', '=', 'r_1')
      .execute();
    assert.deepEqual(
      stored.map((e) => [e.seq, e.type, e.frame]),
      [[1, 'message.created', event.frame]],
    );
    assert.equal(await lastSeq(), 1);
  });

  test('a failure rolls back everything the write did, and the connection is free again', async () => {
    await assert.rejects(
      writes.write((w) => {
        w.insertMessage(message('m_2'));
        w.appendEvent({ type: 'message.created', roomId: 'r_1', at: AT, data: {} });
        w.insertMessage(message('m_2'));
      }),
      /UNIQUE/,
    );
    assert.equal(await lastSeq(), 1);
    const found = await database.db.selectFrom('messages').select('id').where('id', '=', 'm_2').execute();
    assert.deepEqual(found, []);
  });

  test('a member joins once', async () => {
    const member = { roomId: 'r_1', userId: 'u_1', role: 'member', joinedAt: AT };
    assert.deepEqual(await writes.write((w) => [w.insertMember(member), w.insertMember(member)]), [
      true,
      false,
    ]);
  });

  test('a write waits for a Kysely transaction that is open on the connection instead of joining it', async () => {
    let release!: () => void;
    let begun!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const open = new Promise<void>((resolve) => {
      begun = resolve;
    });
    const transaction = database.db.transaction().execute(async (trx) => {
      await trx.updateTable('rooms').set({ topic: 'rolled back' }).where('id', '=', 'r_1').execute();
      begun();
      await held;
      throw new Error('roll back');
    });
    await open;
    const write = writes.write((w) => {
      w.insertMessage(message('m_3'));
      return w.appendEvent({ type: 'message.created', roomId: 'r_1', at: AT, data: {} });
    });
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await assert.rejects(transaction, /roll back/);
    assert.equal((await write).seq, 2);
    const room = await database.db
      .selectFrom('rooms')
      .selectAll()
      .where('id', '=', 'r_1')
      .executeTakeFirstOrThrow();
    assert.equal(room.topic, '');
    assert.equal(room.lastSeq, 2);
  });
});
