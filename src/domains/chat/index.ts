import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { IdGenerator } from '../../core/ids.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { Database } from '../../storage/database.js';
import type { DB } from '../../storage/tables.js';
import { RoomAccess } from './access.js';
import './events.js';
import { MessageService } from './message-service.js';
import { MessageStore } from './message-store.js';
import { RoomService } from './room-service.js';
import { RoomStore } from './room-store.js';
import { createSearchStore } from './search/search-store.js';
import { SearchService } from './search-service.js';

export interface ChatDomain {
  rooms: RoomService;
  messages: MessageService;
  access: RoomAccess;
  search: SearchService;
}

export function createChatDomain(deps: {
  database: Database;
  db: Kysely<DB>;
  clock: Clock;
  ids: IdGenerator;
  bus: EventBus;
  maxMessageLength: number;
}): ChatDomain {
  const rooms = new RoomStore(deps.db);
  const access = new RoomAccess(rooms);
  const shared = { ...deps, rooms, access };
  return {
    rooms: new RoomService(shared),
    messages: new MessageService({ ...shared, messages: new MessageStore(deps.db) }),
    access,
    search: new SearchService(createSearchStore(deps.database)),
  };
}
