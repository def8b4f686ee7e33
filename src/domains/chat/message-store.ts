import type { Kysely, Selectable } from 'kysely';
import type { DB, MessagesTable } from '../../storage/tables.js';
import type { FileRef } from './file-schema.js';
import './file-table.js';
import type { Card, MessageView } from './schema.js';

export type MessageRow = Selectable<MessagesTable>;
type MessageWithAuthor = MessageRow & { username: string | null };
/** A room's main timeline (top-level messages), or one thread (its root and replies). */
type HistoryScope = { roomId: string; threadId?: string };

/** Message queries; views come with reactions, pin state and reply counts filled in. */
export class MessageStore {
  constructor(private readonly db: Kysely<DB>) {}

  find(id: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async view(id: string): Promise<MessageView | undefined> {
    const views = await this.views(await this.withAuthor().where('messages.id', '=', id).execute());
    return views[0];
  }

  /** Views of these messages, in the order of `ids` (missing ones left out). */
  async viewsOf(ids: string[]): Promise<MessageView[]> {
    if (ids.length === 0) return [];
    const byId = new Map(
      (await this.views(await this.withAuthor().where('messages.id', 'in', ids).execute())).map((v) => [
        v.id,
        v,
      ]),
    );
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Newest `limit` messages before the cursor message, returned oldest first. */
  async history(input: HistoryScope & { beforeNum?: number; limit: number }): Promise<MessageView[]> {
    return (await this.page(input)).messages;
  }

  /**
   * One page of a timeline (the room's top-level messages, or a thread), oldest first, and whether
   * more exist on either side. Without a cursor: the newest `limit`. `beforeNum`: the newest `limit`
   * older than it. `afterNum`: the oldest `limit` newer than it. `aroundNum`: that message with up to
   * half the page older than it and the rest newer (so a jump lands in the middle of what it shows).
   */
  async page(
    input: HistoryScope & { beforeNum?: number; afterNum?: number; aroundNum?: number; limit: number },
  ): Promise<{ messages: MessageView[]; hasOlder: boolean; hasNewer: boolean }> {
    const { limit } = input;
    if (input.aroundNum !== undefined) {
      const olderWanted = Math.floor((limit - 1) / 2);
      // A full page each way (and one more, to know whether there is more), so either side can
      // fill what the other lacks near an end of the room.
      const [older, newer] = await Promise.all([
        this.rows(input, { num: input.aroundNum, op: '<' }, limit + 1),
        this.rows(input, { num: input.aroundNum, op: '>=' }, limit + 1),
      ]);
      const olderKept = Math.min(older.length, Math.max(olderWanted, limit - newer.length));
      const newerKept = Math.min(newer.length, limit - olderKept);
      const rows = [...older.slice(0, olderKept).reverse(), ...newer.slice(0, newerKept)];
      return {
        messages: await this.views(rows),
        hasOlder: older.length > olderKept,
        hasNewer: newer.length > newerKept,
      };
    }
    if (input.afterNum !== undefined) {
      const rows = await this.rows(input, { num: input.afterNum, op: '>' }, limit + 1);
      return {
        messages: await this.views(rows.slice(0, limit)),
        hasOlder: true,
        hasNewer: rows.length > limit,
      };
    }
    const rows = await this.rows(
      input,
      input.beforeNum === undefined ? undefined : { num: input.beforeNum, op: '<' },
      limit + 1,
    );
    return {
      messages: await this.views(rows.slice(0, limit).reverse()),
      hasOlder: rows.length > limit,
      hasNewer: input.beforeNum !== undefined,
    };
  }

  /** Rows of a timeline next to a cursor: descending for `<` (and no cursor), ascending otherwise. */
  private rows(
    scope: HistoryScope,
    cursor: { num: number; op: '<' | '>' | '>=' } | undefined,
    limit: number,
  ): Promise<MessageWithAuthor[]> {
    let query = this.withAuthor().where('messages.roomId', '=', scope.roomId);
    const threadId = scope.threadId;
    query =
      threadId === undefined
        ? query.where('messages.threadId', 'is', null)
        : query.where((eb) =>
            eb.or([eb('messages.threadId', '=', threadId), eb('messages.id', '=', threadId)]),
          );
    if (cursor) query = query.where('messages.num', cursor.op, cursor.num);
    const descending = cursor === undefined || cursor.op === '<';
    return query
      .orderBy('messages.num', descending ? 'desc' : 'asc')
      .limit(limit)
      .execute();
  }

  /** Every message of a room, oldest first, in pages: for export. */
  async *allInRoom(roomId: string, pageSize = 1000): AsyncGenerator<MessageView> {
    let afterNum = 0;
    for (;;) {
      const page = await this.views(
        await this.withAuthor()
          .where('messages.roomId', '=', roomId)
          .where('messages.num', '>', afterNum)
          .orderBy('messages.num')
          .limit(pageSize)
          .execute(),
      );
      if (page.length === 0) return;
      yield* page;
      const last = await this.find(page[page.length - 1]!.id);
      afterNum = Number(last!.num);
    }
  }

  async edits(messageId: string) {
    const rows = await this.db
      .selectFrom('messageEdits')
      .selectAll()
      .where('messageId', '=', messageId)
      .orderBy('editedAt')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      text: r.text,
      card: parseCard(r.card),
      editedBy: r.editedBy,
      editedAt: r.editedAt,
    }));
  }

  private withAuthor() {
    return this.db
      .selectFrom('messages')
      .leftJoin('users', 'users.id', 'messages.userId')
      .selectAll('messages')
      .select('users.username');
  }

  private async views(rows: MessageWithAuthor[]): Promise<MessageView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [reactions, pins, replies] = await Promise.all([
      this.db
        .selectFrom('reactions')
        .leftJoin('users', 'users.id', 'reactions.userId')
        .select(['reactions.messageId', 'reactions.emoji', 'users.username', 'reactions.userId'])
        .where('reactions.messageId', 'in', ids)
        .orderBy('reactions.createdAt')
        .execute(),
      this.db.selectFrom('pins').select('messageId').where('messageId', 'in', ids).execute(),
      this.db
        .selectFrom('messages')
        .select(['threadId', (eb) => eb.fn.countAll<number>().as('n')])
        .where('threadId', 'in', ids)
        .where('deletedAt', 'is', null)
        .groupBy('threadId')
        .execute(),
    ]);
    const pinned = new Set(pins.map((p) => p.messageId));
    const replyCounts = new Map(replies.map((r) => [r.threadId, Number(r.n)]));
    return rows.map((row) => {
      const mine = reactions.filter((r) => r.messageId === row.id);
      const byEmoji = new Map<string, string[]>();
      for (const r of mine) byEmoji.set(r.emoji, [...(byEmoji.get(r.emoji) ?? []), r.username ?? r.userId]);
      return toMessageView(row, {
        reactions: [...byEmoji].map(([emoji, users]) => ({ emoji, count: users.length, users })),
        pinned: pinned.has(row.id),
        replyCount: replyCounts.get(row.id) ?? 0,
      });
    });
  }
}

function parseCard(raw: string | null): Card | null {
  return raw === null ? null : (JSON.parse(raw) as Card);
}

/**
 * The view of a stored row. `card`: the row's card as the object it was stored from, when the caller
 * holds one that JSON gives back unchanged (a canonical card: no undefined values), so it is not
 * parsed back from the string just made of it.
 */
export function toMessageView(
  row: MessageWithAuthor,
  extra: Pick<MessageView, 'reactions' | 'pinned' | 'replyCount'>,
  card?: Card,
): MessageView {
  const deleted = row.deletedAt !== null;
  return {
    id: row.id,
    roomId: row.roomId,
    userId: row.userId,
    username: row.username,
    threadId: row.threadId,
    // A deleted message keeps its row (and history) but shows nothing.
    text: deleted ? '' : row.text,
    card: deleted ? null : (card ?? parseCard(row.card)),
    mentions: JSON.parse(row.mentions) as string[],
    files: deleted || !row.files ? [] : (JSON.parse(row.files) as FileRef[]),
    createdAt: row.createdAt,
    editedAt: row.editedAt,
    deletedAt: row.deletedAt,
    ...extra,
  };
}
