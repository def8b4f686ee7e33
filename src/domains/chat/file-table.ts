/** Row types of migration 009 (files and read markers), merged into the database's `DB`. */
export interface FilesTable {
  id: string;
  roomId: string;
  messageId: string;
  uploaderId: string;
  /** Sanitised display name. */
  name: string;
  contentType: string;
  size: number;
  /** Hex sha256 of the content: its path under `<dataDir>/files/`. */
  sha256: string;
  createdAt: string;
}

export interface ReadMarkersTable {
  roomId: string;
  userId: string;
  /** The last room event seq the user has seen. */
  lastSeq: number;
  /** `messages.num` of the last message at or before that seq: unread counts start after it. */
  lastNum: number;
  updatedAt: string;
}

declare module '../../storage/tables.js' {
  interface DB {
    files: FilesTable;
    readMarkers: ReadMarkersTable;
  }
  interface MessagesTable {
    /** JSON array of `FileRef` (attachments), or null. */
    files: string | null;
  }
}
