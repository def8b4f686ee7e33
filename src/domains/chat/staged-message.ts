import type { Transaction } from 'kysely';
import type { EventBus } from '../../runtime/event-bus.js';
import type { Transactor } from '../../storage/group-commit.js';
import type { DB } from '../../storage/tables.js';
import type { MessageRow } from './message-store.js';
import { publishAll } from './room-service.js';
import type { AppendedEvent } from './room-stream.js';
import { appendRoomEvent } from './room-stream.js';
import type { MessageView } from './schema.js';
import type { RoomWriter } from './sqlite-room-writes.js';

/**
 * A post or an edit prepared outside any transaction (checked, its rows built, its id final), written
 * inside the CALLER's transaction and published after the caller's commit: a component whose own
 * rows must commit with the message (the alert group that owns a card) writes both in one commit, and
 * nobody hears of a message that was rolled back.
 */
export interface StagedMessage {
  /** The message as it is once committed (its id is final). */
  readonly message: MessageView;
  /**
   * Writes the rows inside the caller's open transaction `trx` (call it from inside
   * `db.transaction().execute(...)`; on SQLite, as a savepoint of the transaction on that connection).
   * Once only.
   */
  write(trx: Transaction<DB>): Promise<void>;
  /** After the caller's commit, never after a rollback: the room events go out on the bus. Once only. */
  publish(): void;
}

/** The staged form of a write whose room events `write` returns. */
export function stagedMessage(
  bus: EventBus,
  message: MessageView,
  write: (trx: Transaction<DB>) => Promise<AppendedEvent<unknown>[]> | AppendedEvent<unknown>[],
): StagedMessage {
  let state: 'staged' | 'written' | 'published' = 'staged';
  let events: AppendedEvent<unknown>[] = [];
  return {
    message,
    async write(trx) {
      if (state !== 'staged') throw new Error(`message ${message.id} is ${state} already`);
      events = await write(trx);
      state = 'written';
    },
    publish() {
      if (state !== 'written') throw new Error(`message ${message.id} is ${state}, not written`);
      state = 'published';
      publishAll(bus, events);
    },
  };
}

/** The rows of one post, written either way: prepared statements (SQLite) or Kysely (PostgreSQL). */
export interface PostWrites {
  sqlite(writer: RoomWriter): AppendedEvent<unknown>[];
  kysely(trx: Transaction<DB>): Promise<AppendedEvent<unknown>[]>;
}

/** A post's rows: the author's membership first when they join by posting, the message, its events. */
export function postWrites(
  row: MessageRow,
  view: MessageView,
  join:
    | { member: { roomId: string; userId: string; role: string; joinedAt: string }; username: string }
    | undefined,
): PostWrites {
  const { num: _generated, ...values } = row;
  const at = row.createdAt;
  const joined = join && {
    type: 'member.joined' as const,
    roomId: row.roomId,
    at,
    data: { userId: row.userId, username: join.username },
  };
  const created = { type: 'message.created' as const, roomId: row.roomId, at, data: view };
  return {
    sqlite(w) {
      const out: AppendedEvent<unknown>[] = [];
      if (join && joined) {
        w.insertMember(join.member);
        out.push(w.appendEvent(joined));
      }
      w.insertMessage(values);
      out.push(w.appendEvent(created));
      return out;
    },
    async kysely(trx) {
      const out: AppendedEvent<unknown>[] = [];
      if (join && joined) {
        await trx
          .insertInto('roomMembers')
          .values(join.member)
          .onConflict((oc) => oc.doNothing())
          .execute();
        out.push(await appendRoomEvent(trx, joined));
      }
      await trx.insertInto('messages').values(values).execute();
      out.push(await appendRoomEvent(trx, created));
      return out;
    },
  };
}

/**
 * An edit's rows: the previous version into the edit history (`history`, absent for live cards), the
 * message as `view` shows it (`card` as stored), its event.
 */
export function editWrite(
  previous: MessageRow,
  view: MessageView,
  change: { at: string; card: string | null; history: { id: string; editedBy: string } | undefined },
): (trx: Transaction<DB>) => Promise<AppendedEvent<unknown>[]> {
  const { at, card, history } = change;
  return async (trx) => {
    if (history)
      await trx
        .insertInto('messageEdits')
        .values({
          ...history,
          editedAt: at,
          messageId: previous.id,
          text: previous.text,
          card: previous.card,
        })
        .execute();
    await trx
      .updateTable('messages')
      .set({ text: view.text, card, mentions: JSON.stringify(view.mentions), editedAt: view.editedAt })
      .where('id', '=', previous.id)
      .execute();
    return [await appendRoomEvent(trx, { type: 'message.updated', roomId: previous.roomId, at, data: view })];
  };
}

/**
 * Writes `staged` messages, then whatever `fn` writes, in ONE transaction (`ownTransactions(db)`, or a
 * GroupCommit shared with other writers); the messages are published after the commit (nothing is, if
 * anything fails: the error is rethrown).
 */
export async function commitWith<T>(
  transactions: Transactor,
  staged: readonly StagedMessage[],
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  const result = await transactions.execute(async (trx) => {
    for (const message of staged) await message.write(trx);
    return fn(trx);
  });
  for (const message of staged) message.publish();
  return result;
}
