import type { Kysely, Selectable } from 'kysely';
import type { DB, MessagesTable } from '../../storage/tables.js';
import type { FileRef } from './file-schema.js';
import './file-table.js';
import type { Card, MessageView } from './schema.js';

export type MessageRow = Selectable<MessagesTable>;
type MessageWithAuthor = MessageRow & { username: string | null };

/** Message queries; views come with reactions, pin state and reply counts filled in. */
export class MessageStore {
  constructor(private readonly db: Kysely<DB>) {}

  find(id: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async view(id: string): Promise<MessageView | undefined> {
    const views = await this.views(this.withAuthor().where('messages.id', '=', id));
    return views[0];
  }

  /** Views of these messages, in the order of `ids` (missing ones left out). */
  async viewsOf(ids: string[]): Promise<MessageView[]> {
    if (ids.length === 0) return [];
    const byId = new Map(
      (await this.views(this.withAuthor().where('messages.id', 'in', ids))).map((v) => [v.id, v]),
    );
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Newest `limit` messages before the cursor message, returned oldest first. */
  async history(input: {
    roomId: string;
    beforeNum?: number;
    threadId?: string;
    limit: number;
  }): Promise<MessageView[]> {
    let query = this.withAuthor().where('messages.roomId', '=', input.roomId);
    query =
      input.threadId === undefined
        ? query.where('messages.threadId', 'is', null)
        : query.where((eb) =>
            eb.or([eb('messages.threadId', '=', input.threadId!), eb('messages.id', '=', input.threadId!)]),
          );
    if (input.beforeNum !== undefined) query = query.where('messages.num', '<', input.beforeNum);
    const views = await this.views(query.orderBy('messages.num', 'desc').limit(input.limit));
    return views.reverse();
  }

  /** Every message of a room, oldest first, in pages: for export. */
  async *allInRoom(roomId: string, pageSize = 1000): AsyncGenerator<MessageView> {
    let afterNum = 0;
    for (;;) {
      const page = await this.views(
        this.withAuthor()
          .where('messages.roomId', '=', roomId)
          .where('messages.num', '>', afterNum)
          .orderBy('messages.num')
          .limit(pageSize),
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

  private async views(query: ReturnType<MessageStore['withAuthor']>): Promise<MessageView[]> {
    const rows: MessageWithAuthor[] = await query.execute();
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

export function toMessageView(
  row: MessageWithAuthor,
  extra: Pick<MessageView, 'reactions' | 'pinned' | 'replyCount'>,
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
    card: deleted ? null : parseCard(row.card),
    mentions: JSON.parse(row.mentions) as string[],
    files: deleted || !row.files ? [] : (JSON.parse(row.files) as FileRef[]),
    createdAt: row.createdAt,
    editedAt: row.editedAt,
    deletedAt: row.deletedAt,
    ...extra,
  };
}
