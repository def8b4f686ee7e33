import type { Transaction } from 'kysely';
import { type Actor, isAdmin } from '../../core/actor.js';
import { NotFoundError, PermissionDeniedError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validation.js';
import type { DB } from '../../storage/tables.js';
import type { FileRef } from './file-schema.js';
import type { MessageRow, MessageStore } from './message-store.js';
import { toMessageView } from './message-store.js';
import { type ChatDeps, publishAll } from './room-service.js';
import type { AppendedEvent } from './room-stream.js';
import { appendRoomEvent, roomEventsSince } from './room-stream.js';
import {
  type EditMessageInput,
  editMessageBody,
  type HistoryPage,
  historyQuery,
  type MessageView,
  type PostMessageInput,
  postMessageBody,
  reactionBody,
} from './schema.js';
import type { SqliteRoomWrites } from './sqlite-room-writes.js';
import {
  editWrite,
  type PostWrites,
  postWrites,
  type StagedMessage,
  stagedMessage,
} from './staged-message.js';

const MENTION = /(?:^|[^\w@])@([a-z0-9][a-z0-9._-]{0,31})/gi;

export interface MessageServiceDeps extends ChatDeps {
  messages: MessageStore;
  maxMessageLength: number;
  /** On SQLite: posts as prepared statements instead of Kysely queries. */
  sqliteWrites?: SqliteRoomWrites | undefined;
}

/** Posting, editing, deleting, reacting, pinning and reading messages. */
export class MessageService {
  private readonly postSchema;
  private readonly editSchema;

  constructor(private readonly deps: MessageServiceDeps) {
    this.postSchema = postMessageBody(deps.maxMessageLength);
    this.editSchema = editMessageBody(deps.maxMessageLength);
  }

  /** Stores the message and its room event in one transaction; resolves only once both are committed. */
  async post(
    actor: Actor,
    roomRef: string,
    input: PostMessageInput,
    /** Attachments already stored (by `FileService.upload`), shown with the message. */
    files?: FileRef[],
    /** The caller checked `input` against the post schema already (the bot's own cards): not parsed again. */
    checked = false,
  ): Promise<MessageView & { seq: number }> {
    const { view, writes } = await this.draftPost(actor, roomRef, input, files, checked);
    // SQLite: the same rows in one transaction of prepared statements (see SqliteRoomWrites).
    const events = await (this.deps.sqliteWrites?.write(writes.sqlite) ??
      this.deps.db.transaction().execute(writes.kysely));
    publishAll(this.deps.bus, events, actor);
    return { ...view, seq: events[events.length - 1]!.seq };
  }

  /**
   * `post`, checked and built now, written inside the caller's transaction and published after its
   * commit (see StagedMessage). Call it outside any transaction: it reads (access, thread, mentions).
   */
  async stagePost(
    actor: Actor,
    roomRef: string,
    input: PostMessageInput,
    files?: FileRef[],
    checked = false,
  ): Promise<StagedMessage> {
    const { view, writes } = await this.draftPost(actor, roomRef, input, files, checked);
    const fast = this.deps.sqliteWrites;
    return stagedMessage(this.deps.bus, view, (trx) =>
      fast ? fast.writeIn(writes.sqlite) : writes.kysely(trx),
    );
  }

  private async draftPost(
    actor: Actor,
    roomRef: string,
    input: PostMessageInput,
    files: FileRef[] | undefined,
    checked: boolean,
  ): Promise<{ view: MessageView; writes: PostWrites }> {
    const data = checked ? { ...input, text: input.text ?? '' } : parseOrThrow(this.postSchema, input);
    const room = await this.deps.access.writable(actor, roomRef);
    if (data.threadId !== undefined) await this.requireThreadRoot(data.threadId, room.id);
    const at = this.deps.clock.now().toISOString();
    const row: MessageRow = {
      num: 0,
      id: this.deps.ids.next('m_'),
      roomId: room.id,
      userId: actor.userId,
      threadId: data.threadId ?? null,
      text: data.text,
      card: data.card ? JSON.stringify(data.card) : null,
      mentions: JSON.stringify(await this.mentionsIn(data.text)),
      files: files && files.length > 0 ? JSON.stringify(files) : null,
      createdAt: at,
      editedAt: null,
      deletedAt: null,
    };
    // A checked card is canonical (JSON gives it back unchanged): the view keeps it, not a parse of it.
    const view = toMessageView(
      { ...row, username: actor.username },
      { reactions: [], pinned: false, replyCount: 0 },
      checked ? data.card : undefined,
    );
    const joins = !room.isMember && actor.userId !== 'system';
    const member = { roomId: room.id, userId: actor.userId, role: 'member', joinedAt: at };
    return { view, writes: postWrites(row, view, joins ? { member, username: actor.username } : undefined) };
  }

  /**
   * Changes text and/or card in place; the previous version goes to the edit history, except for the
   * live cards the bot updates every second (`keepHistory: false`): their history is noise, and they
   * are not marked edited (a job card changing is the card working, not someone rewriting it).
   */
  async edit(
    actor: Actor,
    messageId: string,
    input: EditMessageInput,
    options: { keepHistory?: boolean; checked?: boolean } = {},
  ): Promise<MessageView> {
    const { view, write } = await this.draftEdit(actor, messageId, input, options);
    const events = await this.deps.db.transaction().execute(write);
    publishAll(this.deps.bus, events);
    return view;
  }

  /** `edit`, staged like `stagePost`: call it outside any transaction. */
  async stageEdit(
    actor: Actor,
    messageId: string,
    input: EditMessageInput,
    options: { keepHistory?: boolean; checked?: boolean } = {},
  ): Promise<StagedMessage> {
    const { view, write } = await this.draftEdit(actor, messageId, input, options);
    return stagedMessage(this.deps.bus, view, write);
  }

  private async draftEdit(
    actor: Actor,
    messageId: string,
    input: EditMessageInput,
    options: { keepHistory?: boolean; checked?: boolean },
  ): Promise<{ view: MessageView; write: (trx: Transaction<DB>) => Promise<AppendedEvent<unknown>[]> }> {
    const data = options.checked === true ? input : parseOrThrow(this.editSchema, input);
    const message = await this.requireOwn(actor, messageId, 'edit');
    if (message.deletedAt !== null) throw new ValidationError('A deleted message cannot be edited');
    const at = this.deps.clock.now().toISOString();
    const text = data.text ?? message.text;
    const card =
      data.card === undefined ? message.card : data.card === null ? null : JSON.stringify(data.card);
    if (text.trim() === '' && card === null)
      throw new ValidationError('text must not be empty (or keep a card)');
    const mentions = await this.mentionsIn(text);
    const current = (await this.deps.messages.view(messageId))!;
    const live = options.keepHistory === false;
    const editedAt = live ? message.editedAt : at;
    const view: MessageView = {
      ...current,
      text,
      card: card === null ? null : JSON.parse(card),
      mentions,
      editedAt,
    };
    const history = live ? undefined : { id: this.deps.ids.next('e_'), editedBy: actor.userId };
    return { view, write: editWrite(message, view, { at, card, history }) };
  }

  async remove(actor: Actor, messageId: string): Promise<void> {
    const message = await this.requireOwn(actor, messageId, 'delete', true);
    if (message.deletedAt !== null) return;
    const at = this.deps.clock.now().toISOString();
    const event = await this.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('messages').set({ deletedAt: at }).where('id', '=', messageId).execute();
      return appendRoomEvent(trx, {
        type: 'message.deleted',
        roomId: message.roomId,
        at,
        data: { id: messageId, deletedAt: at, by: actor.username },
      });
    });
    publishAll(this.deps.bus, [event]);
  }

  async react(actor: Actor, messageId: string, emoji: string, add: boolean): Promise<MessageView> {
    parseOrThrow(reactionBody, { emoji });
    const message = await this.requireVisible(actor, messageId, true);
    const at = this.deps.clock.now().toISOString();
    const data = { messageId, emoji, userId: actor.userId, username: actor.username };
    const event = await this.deps.db.transaction().execute(async (trx) => {
      const changed = add
        ? await trx
            .insertInto('reactions')
            .values({ messageId, userId: actor.userId, emoji, createdAt: at })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst()
            .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0))
        : await trx
            .deleteFrom('reactions')
            .where('messageId', '=', messageId)
            .where('userId', '=', actor.userId)
            .where('emoji', '=', emoji)
            .executeTakeFirst()
            .then((r) => Number(r.numDeletedRows));
      if (changed === 0) return undefined;
      return appendRoomEvent(trx, {
        type: add ? 'reaction.added' : 'reaction.removed',
        roomId: message.roomId,
        at,
        data,
      });
    });
    if (event) publishAll(this.deps.bus, [event]);
    return (await this.deps.messages.view(messageId))!;
  }

  async pin(actor: Actor, messageId: string, pinned: boolean): Promise<MessageView> {
    const message = await this.requireVisible(actor, messageId, true);
    const at = this.deps.clock.now().toISOString();
    const event = await this.deps.db.transaction().execute(async (trx) => {
      const changed = pinned
        ? await trx
            .insertInto('pins')
            .values({ roomId: message.roomId, messageId, pinnedBy: actor.userId, pinnedAt: at })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst()
            .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0))
        : await trx
            .deleteFrom('pins')
            .where('messageId', '=', messageId)
            .executeTakeFirst()
            .then((r) => Number(r.numDeletedRows));
      if (changed === 0) return undefined;
      return appendRoomEvent(trx, {
        type: pinned ? 'message.pinned' : 'message.unpinned',
        roomId: message.roomId,
        at,
        data: { messageId, by: actor.username },
      });
    });
    if (event) publishAll(this.deps.bus, [event]);
    return (await this.deps.messages.view(messageId))!;
  }

  /** A button on a card was pressed: recorded in the room stream for whoever handles that action. */
  async cardAction(
    actor: Actor,
    messageId: string,
    action: { actionId: string; value?: string },
  ): Promise<number> {
    const message = await this.requireVisible(actor, messageId, true);
    const card =
      message.card === null ? null : (JSON.parse(message.card) as { buttons?: { actionId: string }[] });
    if (!card?.buttons?.some((b) => b.actionId === action.actionId)) {
      throw new ValidationError(`This message has no button '${action.actionId}'`);
    }
    const at = this.deps.clock.now().toISOString();
    const data = {
      messageId,
      actionId: action.actionId,
      userId: actor.userId,
      username: actor.username,
      ...(action.value === undefined ? {} : { value: action.value }),
    };
    const event = await this.deps.db
      .transaction()
      .execute((trx) => appendRoomEvent(trx, { type: 'card.action', roomId: message.roomId, at, data }));
    publishAll(this.deps.bus, [event], actor);
    return event.seq;
  }

  /** A page of the room's timeline (or a thread): see `historyPage`. */
  async history(
    actor: Actor,
    roomRef: string,
    query: { before?: string | undefined; limit?: number | undefined; threadId?: string | undefined },
  ): Promise<MessageView[]> {
    return (await this.historyPage(actor, roomRef, query)).messages;
  }

  /**
   * Oldest first: the newest page, or the page `before`/`after` a message, or the page `around` one
   * (jump-to-message in one request). A reply named by `around` outside its thread stands for its
   * thread's first message, which is where it shows in the room.
   */
  async historyPage(
    actor: Actor,
    roomRef: string,
    query: {
      before?: string | undefined;
      after?: string | undefined;
      around?: string | undefined;
      limit?: number | undefined;
      threadId?: string | undefined;
    },
  ): Promise<HistoryPage> {
    const q = parseOrThrow(historyQuery, query);
    const cursors = (['before', 'after', 'around'] as const).filter((k) => q[k] !== undefined);
    if (cursors.length > 1)
      throw new ValidationError(`Give one of before, after and around, not ${cursors.join(' and ')}`);
    const room = await this.deps.access.readable(actor, roomRef);
    const which = cursors[0];
    let num: number | undefined;
    if (which !== undefined) {
      const id = q[which]!;
      let cursor = await this.deps.messages.find(id);
      if (!cursor || cursor.roomId !== room.id)
        throw new ValidationError(`${which}: no message '${id}' in #${room.name}`);
      if (which === 'around' && q.threadId === undefined && cursor.threadId !== null)
        cursor = (await this.deps.messages.find(cursor.threadId)) ?? cursor;
      num = Number(cursor.num);
    }
    return this.deps.messages.page({
      roomId: room.id,
      limit: q.limit,
      ...(q.threadId === undefined ? {} : { threadId: q.threadId }),
      ...(which === 'before' ? { beforeNum: num! } : {}),
      ...(which === 'after' ? { afterNum: num! } : {}),
      ...(which === 'around' ? { aroundNum: num! } : {}),
    });
  }

  async get(actor: Actor, messageId: string): Promise<MessageView> {
    await this.requireVisible(actor, messageId, false);
    return (await this.deps.messages.view(messageId))!;
  }

  async editHistory(actor: Actor, messageId: string) {
    await this.requireVisible(actor, messageId, false);
    return this.deps.messages.edits(messageId);
  }

  /** Event frames after `afterSeq` in a room the actor can read: the WebSocket resume path. */
  async eventsSince(actor: Actor, roomRef: string, afterSeq: number, limit: number) {
    const room = await this.deps.access.readable(actor, roomRef);
    return { room, events: await roomEventsSince(this.deps.db, room.id, afterSeq, limit) };
  }

  async *exportRoom(actor: Actor, roomRef: string): AsyncGenerator<MessageView> {
    const room = await this.deps.access.readable(actor, roomRef);
    yield* this.deps.messages.allInRoom(room.id);
  }

  private async requireVisible(actor: Actor, messageId: string, write: boolean): Promise<MessageRow> {
    const message = await this.deps.messages.find(messageId);
    if (!message) throw new NotFoundError('message', messageId);
    await (write
      ? this.deps.access.writable(actor, message.roomId)
      : this.deps.access.readable(actor, message.roomId));
    return message;
  }

  private async requireOwn(
    actor: Actor,
    messageId: string,
    verb: string,
    adminMayToo = false,
  ): Promise<MessageRow> {
    const message = await this.requireVisible(actor, messageId, true);
    if (message.userId !== actor.userId && !(adminMayToo && isAdmin(actor))) {
      throw new PermissionDeniedError(`Only the author can ${verb} this message`);
    }
    return message;
  }

  private async requireThreadRoot(threadId: string, roomId: string): Promise<void> {
    const root = await this.deps.messages.find(threadId);
    if (!root || root.roomId !== roomId)
      throw new ValidationError(`threadId: no message '${threadId}' in this room`);
    if (root.threadId !== null) throw new ValidationError('threadId must name the first message of a thread');
  }

  /** Usernames mentioned that exist, plus `here`/`channel`. */
  private async mentionsIn(text: string): Promise<string[]> {
    const names = [...new Set([...text.matchAll(MENTION)].map((m) => m[1]!.toLowerCase()))];
    if (names.length === 0) return [];
    const special = names.filter((n) => n === 'here' || n === 'channel');
    const rest = names.filter((n) => n !== 'here' && n !== 'channel').slice(0, 50);
    const users =
      rest.length === 0
        ? []
        : await this.deps.db.selectFrom('users').select('username').where('username', 'in', rest).execute();
    return [...special, ...users.map((u) => u.username)];
  }
}
