// What the UI does to the server: load rooms and history, post, react, and keep the socket going.
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import { Realtime } from '../api/realtime.js';
import type { Message, Room, RoomUnread } from '../api/types.js';
import {
  applyFrame,
  cursors,
  followRoom,
  forgetRoom,
  messageCreated,
  resetCursors,
  setCountedThrough,
  setLookingHandler,
} from './events.js';
import { getState, putMessages, putRoom, resetState, setState, toast, updateRoom } from './store.js';

const PAGE = 50;
const OLDER_PAGE = 100;

let realtime: Realtime | null = null;
let roomPoll: ReturnType<typeof setInterval> | undefined;

/** After sign-in: rooms, people, commands, and the socket. */
export async function startSession(): Promise<void> {
  // Who, and which rooms, at once: the first room's messages wait on both.
  const [me] = await Promise.all([api.me(), refreshRooms()]);
  setState({ me });
  realtime = new Realtime({
    cursors,
    onEvent: applyFrame,
    onStatus: (connection) => {
      const was = getState().connection;
      setState({ connection });
      // Back online: rooms may have appeared (a new direct conversation) while we were away.
      if (connection === 'open' && was !== 'open') void refreshRooms();
    },
    onSessionEnded: () => void checkSession(),
  });
  realtime.start();
  setLookingHandler(markRead);
  document.addEventListener('visibilitychange', onVisible);
  roomPoll = setInterval(() => void refreshRooms(), 15_000);
  void api.users().then(
    ({ users }) => setState({ users }),
    () => {},
  );
  void loadCommands();
}

export function stopSession(): void {
  realtime?.stop();
  realtime = null;
  clearInterval(roomPoll);
  document.removeEventListener('visibilitychange', onVisible);
  resetCursors();
  resetState();
}

async function checkSession(): Promise<void> {
  try {
    await api.me();
  } catch {
    stopSession();
  }
}

export async function loadCommands(): Promise<void> {
  try {
    const { commands } = await api.commands();
    setState({ commands });
  } catch {
    // Autocomplete is a convenience: without it the composer still sends commands.
  }
}

export async function refreshRooms(): Promise<void> {
  const unreads = api.unreads().catch(() => null);
  let rooms: Room[];
  try {
    ({ rooms } = await api.rooms());
  } catch {
    return;
  }
  setState((s) => {
    const next = new Map<string, Room>();
    for (const room of rooms) {
      const old = s.rooms.get(room.id);
      next.set(room.id, old ? { ...old, ...room, lastSeq: Math.max(old.lastSeq, room.lastSeq) } : room);
    }
    return { rooms: next };
  });
  const followed = rooms.filter((r) => r.isMember);
  for (const room of followed) followRoom(room);
  realtime?.follow(followed.map((r) => r.id));
  const counts = await unreads;
  if (counts) applyUnreads(counts.rooms);
}

/** The server's unread and mention counts; live events add to them from there. */
function applyUnreads(unreads: RoomUnread[]): void {
  const { activeRoomId } = getState();
  for (const u of unreads) {
    setCountedThrough(u.roomId, u.lastSeq);
    if (u.roomId === activeRoomId && document.visibilityState === 'visible') {
      if (u.unread > 0) markRead(u.roomId);
      continue;
    }
    updateRoom(u.roomId, (r) => ({
      ...r,
      unreadCount: u.unread,
      mentionCount: u.mentions,
      lastReadSeq: u.lastReadSeq,
    }));
  }
}

function onVisible(): void {
  const { activeRoomId } = getState();
  if (document.visibilityState === 'visible' && activeRoomId) markRead(activeRoomId);
}

/** Shows a room: its latest page (only that: a long history loads as the user scrolls back). */
export async function openRoom(roomId: string): Promise<void> {
  setState({ activeRoomId: roomId });
  const room = getState().rooms.get(roomId);
  if (!room) return;
  followRoom(room);
  realtime?.follow([roomId]);
  setState({ newOnOpen: room.unreadCount ? { roomId, count: room.unreadCount } : null });
  markRead(roomId);
  if (getState().timelines[roomId]) return;
  setState((s) => ({ timelines: { ...s.timelines, [roomId]: { ids: [], hasMore: true, loading: true } } }));
  try {
    const { messages } = await api.history(roomId, { limit: PAGE });
    setTimeline(roomId, messages, messages.length >= PAGE, 'replace');
  } catch (err) {
    toast(`Could not load #${room.name}: ${errorText(err)}`);
    setState((s) => {
      const { [roomId]: _, ...rest } = s.timelines;
      return { timelines: rest };
    });
  }
}

function setTimeline(roomId: string, page: Message[], hasMore: boolean, how: 'replace' | 'prepend'): void {
  putMessages(page);
  setState((s) => {
    const old = s.timelines[roomId];
    const pageIds = page.map((m) => m.id);
    let ids: string[];
    if (how === 'replace' || !old) {
      // Messages that arrived live while the page loaded come after it.
      const live = (old?.ids ?? []).filter((id) => !pageIds.includes(id));
      ids = [...pageIds, ...live];
    } else {
      const have = new Set(old.ids);
      ids = [...pageIds.filter((id) => !have.has(id)), ...old.ids];
    }
    return { timelines: { ...s.timelines, [roomId]: { ids, hasMore, loading: false } } };
  });
}

/** The page before the oldest loaded message. Resolves to how many were added. */
export async function loadOlder(roomId: string): Promise<number> {
  const timeline = getState().timelines[roomId];
  if (!timeline || timeline.loading || !timeline.hasMore) return 0;
  const before = timeline.ids[0];
  setState((s) => ({ timelines: { ...s.timelines, [roomId]: { ...timeline, loading: true } } }));
  try {
    const { messages } = await api.history(roomId, { limit: OLDER_PAGE, ...(before ? { before } : {}) });
    setTimeline(roomId, messages, messages.length >= OLDER_PAGE, 'prepend');
    return messages.length;
  } catch (err) {
    toast(`Could not load older messages: ${errorText(err)}`);
    setState((s) => ({ timelines: { ...s.timelines, [roomId]: { ...timeline, loading: false } } }));
    return 0;
  }
}

export async function openThread(rootId: string | null): Promise<void> {
  setState({ openThreadId: rootId });
  if (rootId === null) return;
  let root = getState().messages.get(rootId);
  if (!root) {
    // A thread opened from a link or a search hit whose root is not loaded yet.
    try {
      root = await api.message(rootId);
      putMessages([root]);
    } catch (err) {
      toast(`Could not open the thread: ${errorText(err)}`);
      return;
    }
  }
  setState((s) => ({
    threads: { ...s.threads, [rootId]: { ids: s.threads[rootId]?.ids ?? [], loading: true } },
  }));
  try {
    const { messages } = await api.history(root.roomId, { threadId: rootId, limit: 200 });
    putMessages(messages);
    const ids = messages.filter((m) => m.id !== rootId).map((m) => m.id);
    setState((s) => {
      const live = (s.threads[rootId]?.ids ?? []).filter((id) => !ids.includes(id));
      return { threads: { ...s.threads, [rootId]: { ids: [...ids, ...live], loading: false } } };
    });
  } catch (err) {
    toast(`Could not load the thread: ${errorText(err)}`);
  }
}

export async function send(roomId: string, text: string, threadId?: string): Promise<void> {
  const message = await api.post(roomId, { text, ...(threadId ? { threadId } : {}) });
  // The socket delivers it too; whichever comes first adds it, once.
  messageCreated(message);
  markRead(roomId);
}

/** Uploads a file; the server posts it as a message, shown at once. */
export async function uploadFile(roomId: string, file: File, threadId?: string): Promise<void> {
  messageCreated(await api.upload(roomId, file, threadId));
  markRead(roomId);
}

const readTimers = new Map<string, ReturnType<typeof setTimeout>>();
/** Clears the room's badges now and tells the server (debounced) where the user has read to. */
export function markRead(roomId: string): void {
  updateRoom(roomId, (r) =>
    r.unreadCount || r.mentionCount ? { ...r, unreadCount: 0, mentionCount: 0 } : r,
  );
  clearTimeout(readTimers.get(roomId));
  readTimers.set(
    roomId,
    setTimeout(() => {
      const room = getState().rooms.get(roomId);
      if (room?.isMember) void api.markRead(roomId, room.lastSeq).catch(() => {});
    }, 800),
  );
}

export async function joinRoom(roomId: string): Promise<void> {
  const room = await api.join(roomId);
  putRoom({ ...room, isMember: true });
  followRoom(room);
  realtime?.follow([room.id]);
}

export async function leaveRoom(roomId: string): Promise<void> {
  await api.leave(roomId);
  realtime?.unfollow(roomId);
  forgetRoom(roomId);
  updateRoom(roomId, (r) => ({ ...r, isMember: false }));
  if (getState().activeRoomId === roomId) setState({ activeRoomId: null });
  await refreshRooms();
}

/** Room created or direct conversation opened: follow it and show it. */
export async function adoptRoom(room: Room): Promise<void> {
  putRoom({ ...room, isMember: true });
  followRoom(room);
  realtime?.follow([room.id]);
}

/**
 * Shows a message in its room: pages back until it is loaded (the history API pages by `before`), then
 * asks the list to scroll to it and flash it. A reply opens its thread instead.
 */
export async function jumpTo(messageId: string): Promise<Room | undefined> {
  let target: Message;
  try {
    target = await api.message(messageId);
  } catch (err) {
    toast(`Could not open that message: ${errorText(err)}`);
    return undefined;
  }
  const room = getState().rooms.get(target.roomId) ?? (await api.room(target.roomId));
  putRoom(room);
  await openRoom(room.id);
  const topId = target.threadId ?? target.id;
  for (let pages = 0; pages < 100; pages++) {
    const timeline = getState().timelines[room.id];
    if (!timeline || timeline.ids.includes(topId) || !timeline.hasMore) break;
    if ((await loadOlder(room.id)) === 0) break;
  }
  setState({ highlight: { roomId: room.id, messageId: topId, nonce: Date.now() } });
  if (target.threadId) await openThread(target.threadId);
  return room;
}
