import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { IdGenerator } from '../../core/ids.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { Database } from '../../storage/database.js';
import type { DB } from '../../storage/tables.js';
import { RoomAccess } from './access.js';
import './events.js';
import { FileService } from './file-service.js';
import { FileBlobStore } from './file-store.js';
import { MessageService } from './message-service.js';
import { MessageStore } from './message-store.js';
import { RoomPins } from './pins.js';
import { ReadMarkers } from './read-markers.js';
import { RoomCache } from './room-cache.js';
import { RoomService } from './room-service.js';
import { RoomStore } from './room-store.js';
import { createSearchStore } from './search/search-store.js';
import { SearchService } from './search-service.js';
import { SqliteRoomWrites } from './sqlite-room-writes.js';

export interface ChatDomain {
  rooms: RoomService;
  messages: MessageService;
  access: RoomAccess;
  search: SearchService;
  /** Attachments: upload (a message carrying the file) and download. */
  files: FileService;
  /** Read markers and unread/mention counts. */
  reads: ReadMarkers;
  /** A room's pinned messages. */
  pins: RoomPins;
}

export function createChatDomain(deps: {
  database: Database;
  db: Kysely<DB>;
  clock: Clock;
  ids: IdGenerator;
  bus: EventBus;
  maxMessageLength: number;
  /** Where uploaded files are kept (`<dataDir>/files`). */
  filesDir: string;
  maxFileBytes: number;
}): ChatDomain {
  const cache = new RoomCache(deps.database.dataVersion);
  cache.attach(deps.bus);
  const rooms = new RoomStore(deps.db, cache);
  const access = new RoomAccess(rooms);
  const shared = { ...deps, rooms, access };
  const messageStore = new MessageStore(deps.db);
  const messages = new MessageService({
    ...shared,
    messages: messageStore,
    sqliteWrites:
      deps.database.sqlite &&
      deps.database.writeLock &&
      new SqliteRoomWrites(deps.db, deps.database.sqlite, deps.database.writeLock),
  });
  return {
    rooms: new RoomService(shared),
    messages,
    access,
    search: new SearchService(createSearchStore(deps.database)),
    files: new FileService({
      ...shared,
      messages,
      blobs: new FileBlobStore(deps.filesDir),
      maxFileBytes: deps.maxFileBytes,
    }),
    reads: new ReadMarkers(shared),
    pins: new RoomPins({ db: deps.db, access, messages: messageStore }),
  };
}
