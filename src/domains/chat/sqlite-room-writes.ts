import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { WriteLock } from '../../storage/write-lock.js';
import type { RoomStreamEventType } from './events.js';
import type { MessageRow } from './message-store.js';
import { type AppendedEvent, appendedEvent } from './room-stream.js';

/** What one `write` may do, synchronously, inside its transaction. */
export interface RoomWriter {
  /** Adds a member; false if they already were one. */
  insertMember(member: { roomId: string; userId: string; role: string; joinedAt: string }): boolean;
  insertMessage(row: Omit<MessageRow, 'num'>): void;
  /** `appendRoomEvent` of room-stream.ts, with the same rows. */
  appendEvent<T>(event: { type: RoomStreamEventType; roomId: string; at: string; data: T }): AppendedEvent<T>;
}

/**
 * The hot writes of chat (a post: its message, the room's next seq, its event frame) as cached
 * prepared statements on better-sqlite3: built by Kysely, the five statements of a post cost more CPU
 * than SQLite spends running them. The same rows as the Kysely path in MessageService; PostgreSQL
 * keeps that path.
 *
 * A write runs synchronously while holding the connection Kysely's driver uses (`db.connection()`), so
 * no Kysely transaction can be open on it meanwhile. BEGIN IMMEDIATE takes the write lock up front:
 * another process (an offline CLI beside the server) waits for it, or it for them (busy timeout). The
 * file's WriteLock is taken first, so a writer in another thread is waited for there, not in SQLite.
 */
export class SqliteRoomWrites {
  readonly #write: SqliteDatabase.Transaction<(fn: (writer: RoomWriter) => unknown) => unknown>;
  readonly #insertMember: SqliteDatabase.Statement;
  readonly #insertMessage: SqliteDatabase.Statement;
  readonly #nextSeq: SqliteDatabase.Statement<[string], number>;
  readonly #insertEvent: SqliteDatabase.Statement;
  readonly #writer: RoomWriter;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly sqlite: SqliteDatabase.Database,
    private readonly writeLock: WriteLock,
  ) {
    this.#insertMember = sqlite.prepare(
      'INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.#insertMessage = sqlite.prepare(
      `INSERT INTO messages (id, room_id, user_id, thread_id, text, card, mentions, files, created_at,
         edited_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#nextSeq = sqlite
      .prepare<[string], number>('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq')
      .pluck();
    this.#insertEvent = sqlite.prepare(
      'INSERT INTO room_events (room_id, seq, type, frame, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#writer = {
      insertMember: (m) => this.#insertMember.run(m.roomId, m.userId, m.role, m.joinedAt).changes > 0,
      insertMessage: (r) => {
        this.#insertMessage.run(
          r.id,
          r.roomId,
          r.userId,
          r.threadId,
          r.text,
          r.card,
          r.mentions,
          r.files,
          r.createdAt,
          r.editedAt,
          r.deletedAt,
        );
      },
      appendEvent: (event) => {
        const seq = this.#nextSeq.get(event.roomId);
        if (seq === undefined) throw new Error(`no room ${event.roomId}`);
        const appended = appendedEvent(event, seq);
        this.#insertEvent.run(event.roomId, seq, event.type, appended.frame, event.at);
        return appended;
      },
    };
    this.#write = sqlite.transaction((fn: (writer: RoomWriter) => unknown) => fn(this.#writer));
  }

  /** Runs `fn` in one IMMEDIATE transaction; better-sqlite3 rolls back and rethrows if anything fails. */
  write<T>(fn: (writer: RoomWriter) => T): Promise<T> {
    return this.db.connection().execute(async () => this.writeLock.run(() => this.#write.immediate(fn) as T));
  }

  /**
   * Runs `fn` inside the transaction the caller holds open on this connection (a Kysely
   * `db.transaction()`, whose callback owns the connection), as a savepoint: no commit of its own, so
   * the rows commit or roll back with the caller's. Refused outside a transaction, where they would
   * commit alone.
   */
  writeIn<T>(fn: (writer: RoomWriter) => T): T {
    if (!this.sqlite.inTransaction) throw new Error('SqliteRoomWrites.writeIn needs an open transaction');
    return this.#write(fn) as T;
  }
}
