import type { Readable } from 'node:stream';
import type { Kysely, Selectable } from 'kysely';
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { CodedError, ErrorCode, NotFoundError } from '../../core/errors.js';
import type { IdGenerator } from '../../core/ids.js';
import { parseOrThrow } from '../../core/validation.js';
import type { DB } from '../../storage/tables.js';
import type { RoomAccess } from './access.js';
import { cleanContentType, sanitizeFileName } from './file-name.js';
import { type FileRef, type FileView, INLINE_IMAGE_TYPES, uploadFileQuery } from './file-schema.js';
import type { FileBlobStore } from './file-store.js';
import type { FilesTable } from './file-table.js';
import type { MessageService } from './message-service.js';
import type { MessageView } from './schema.js';

export interface FileServiceDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: IdGenerator;
  access: RoomAccess;
  messages: MessageService;
  blobs: FileBlobStore;
  maxFileBytes: number;
}

/** A download: what to send and how to label it. */
export interface FileDownload {
  file: FileView;
  /** What the response's Content-Type says: the declared type only for safe images. */
  servedType: string;
  body: Readable;
}

/** Attachments: upload into a room (posting a message that carries the file) and download. */
export class FileService {
  constructor(private readonly deps: FileServiceDeps) {}

  /**
   * Stores the bytes, then posts a message in the room (or thread) with the file attached; resolves
   * with that message. The text is the caption, or the file name so that search finds the file.
   */
  async upload(
    actor: Actor,
    roomRef: string,
    query: { name: string; threadId?: string | undefined; text?: string | undefined },
    body: Readable,
    declaredType: string | undefined,
    declaredLength?: number,
  ): Promise<MessageView & { seq: number }> {
    const q = parseOrThrow(uploadFileQuery, query);
    const room = await this.deps.access.writable(actor, roomRef);
    if (declaredLength !== undefined && declaredLength > this.deps.maxFileBytes) {
      body.resume();
      throw new CodedError(
        ErrorCode.PayloadTooLarge,
        `The file is larger than the limit of ${this.deps.maxFileBytes} bytes (chat.maxFileBytes)`,
      );
    }
    const name = sanitizeFileName(q.name);
    const { sha256, size } = await this.deps.blobs.write(body, this.deps.maxFileBytes);
    const ref: FileRef = {
      id: this.deps.ids.next('f_'),
      name,
      size,
      contentType: cleanContentType(declaredType),
    };
    // The row exists before the message is published, so a client that sees the message can fetch it.
    await this.deps.db
      .insertInto('files')
      .values({
        id: ref.id,
        roomId: room.id,
        messageId: '',
        uploaderId: actor.userId,
        name,
        contentType: ref.contentType,
        size,
        sha256,
        createdAt: this.deps.clock.now().toISOString(),
      })
      .execute();
    try {
      const text = q.text?.trim() ? q.text : name;
      const message = await this.deps.messages.post(
        actor,
        room.id,
        { text, ...(q.threadId === undefined ? {} : { threadId: q.threadId }) },
        [ref],
      );
      await this.deps.db
        .updateTable('files')
        .set({ messageId: message.id })
        .where('id', '=', ref.id)
        .execute();
      return message;
    } catch (error) {
      await this.deps.db.deleteFrom('files').where('id', '=', ref.id).execute();
      throw error;
    }
  }

  /** The file if its room is readable by the actor and its message is not deleted; otherwise 404. */
  async meta(actor: Actor, id: string): Promise<FileView> {
    const row = await this.deps.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('file', id);
    // A file in a room the actor cannot read is reported as missing: its existence is not revealed.
    await this.deps.access.readable(actor, row.roomId).catch(() => {
      throw new NotFoundError('file', id);
    });
    if (row.messageId !== '') {
      const message = await this.deps.db
        .selectFrom('messages')
        .select('deletedAt')
        .where('id', '=', row.messageId)
        .executeTakeFirst();
      if (!message || message.deletedAt !== null) throw new NotFoundError('file', id);
    }
    return toFileView(row);
  }

  async download(actor: Actor, id: string): Promise<FileDownload> {
    const file = await this.meta(actor, id);
    const servedType = INLINE_IMAGE_TYPES.has(file.contentType)
      ? file.contentType
      : 'application/octet-stream';
    return { file, servedType, body: await this.deps.blobs.open(file.sha256) };
  }
}

function toFileView(row: Selectable<FilesTable>): FileView {
  return {
    id: row.id,
    name: row.name,
    size: Number(row.size),
    contentType: row.contentType,
    roomId: row.roomId,
    messageId: row.messageId,
    uploadedBy: row.uploaderId,
    sha256: row.sha256,
    createdAt: row.createdAt,
  };
}
