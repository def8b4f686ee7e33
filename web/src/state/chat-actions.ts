// What the UI does to the server: load rooms and history, post, react, and keep the socket going.
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import { Realtime } from '../api/realtime.js';
import type { Room, RoomsChangedFrame, RoomUnread } from '../api/types.js';
import { dropEarly, FIRST_PAGE } from '../boot.js';
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
import { setTimeline, showLatest } from './timeline-actions.js';

/** A jump shows this many messages around the one jumped to (the list's first window). */
const AROUND_PAGE = 60;

let realtime: Realtime | null = null;
/** The first unread counts of a session place the "New" line in the room opened with them. */
let firstUnreads = true;

/** After sign-in: who, their rooms, and the socket; unread counts and the rest follow. */
export async function startSession(): Promise<void> {
  firstUnreads = true;
  // Who, and which rooms: the app shows once both are in. The first room's messages are already on
  // their way (boot.ts), and unread counts fill in the badges when they come.
  const [me] = await Promise.all([api.me(), refreshRooms()]);
  setState({ me });
  realtime = new Realtime({
    cursors,
    onEvent: applyFrame,
    onRoomsChanged: roomsChanged,
    onStatus: (connection) => {
      const was = getState().connection;
      setState({ connection });
      // Back online: rooms may have appeared while we were away (their rooms.changed frame is gone).
      // Not on the first connection: the room list was just fetched.
      if (connection === 'open' && was === 'reconnecting') void refreshRooms();
    },
    onSessionEnded: () => void checkSession(),
  });
  realtime.start();
  setLookingHandler(markRead);
  document.addEventListener('visibilitychange', onVisible);
  // People (for @ and search filters) and commands (for /) are for typing: they load once the first
  // room has had its turn.
  setTimeout(() => {
    void api.users().then(
      ({ users }) => setState({ users }),
      () => {},
    );
    void loadCommands();
  }, 300);
}

export function stopSession(): void {
  realtime?.stop();
  realtime = null;
  dropEarly();
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

/** The room list from the server (followed rooms subscribed); unread counts are applied when they come. */
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
  void unreads.then((counts) => counts && applyUnreads(counts.rooms));
}

/** The server's unread and mention counts; live events add to them from there. */
function applyUnreads(unreads: RoomUnread[]): void {
  const { activeRoomId, newOnOpen } = getState();
  const first = firstUnreads;
  firstUnreads = false;
  for (const u of unreads) {
    setCountedThrough(u.roomId, u.lastSeq);
    if (u.roomId === activeRoomId && document.visibilityState === 'visible') {
      // The room opened before its count came: the "New" line goes in now.
      if (first && u.unread > 0 && newOnOpen?.roomId !== u.roomId)
        setState({ newOnOpen: { roomId: u.roomId, count: u.unread } });
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

/** Added to a room (a new conversation, an invitation) or left it in another tab: follow along. */
function roomsChanged(frame: RoomsChangedFrame): void {
  if (frame.reason === 'added') {
    const old = getState().rooms.get(frame.roomId);
    const room: Room = { ...frame.room, isMember: true, lastSeq: Math.max(old?.lastSeq ?? 0, frame.seq) };
    putRoom(room);
    // From the seq that added us: every message after it comes over the socket and counts as unread.
    followRoom({ ...room, lastSeq: frame.seq });
    realtime?.follow([frame.roomId]);
    return;
  }
  updateRoom(frame.roomId, (r) => ({ ...r, isMember: false }));
  if (getState().activeRoomId !== frame.roomId) {
    realtime?.unfollow(frame.roomId);
    forgetRoom(frame.roomId);
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
  setState((s) => ({
    timelines: {
      ...s.timelines,
      [roomId]: { ids: [], hasMore: true, hasNewer: false, live: [], loading: true },
    },
  }));
  try {
    // By name: the same request boot.ts may have started for the room in the URL.
    const page = await api.history(room.name, { limit: FIRST_PAGE });
    setTimeline(roomId, page, 'replace');
  } catch (err) {
    toast(`Could not load #${room.name}: ${errorText(err)}`);
    setState((s) => {
      const { [roomId]: _, ...rest } = s.timelines;
      return { timelines: rest };
    });
  } finally {
    dropEarly();
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
  // Reading older history: the newest page comes back first, so what was sent shows below the rest.
  if (!threadId) await showLatest(roomId);
  // The socket delivers it too; whichever comes first adds it, once.
  messageCreated(message);
  markRead(roomId);
  if (!threadId) setState((s) => ({ toLatest: { roomId, nonce: (s.toLatest?.nonce ?? 0) + 1 } }));
}

/** Uploads a file; the server posts it as a message, shown at once. */
export async function uploadFile(roomId: string, file: File, threadId?: string): Promise<void> {
  const message = await api.upload(roomId, file, threadId);
  if (!threadId) await showLatest(roomId);
  messageCreated(message);
  markRead(roomId);
  if (!threadId) setState((s) => ({ toLatest: { roomId, nonce: (s.toLatest?.nonce ?? 0) + 1 } }));
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
 * Shows a message in its room: one request for the page around it (unless it is loaded already),
 * then the list scrolls to it and flashes it. A reply shows its thread's first message and opens the
 * thread. Search hits know their room and thread; a link to a message asks for it first.
 */
export async function jumpTo(
  messageId: string,
  known?: { roomId: string; threadId: string | null },
): Promise<Room | undefined> {
  let where = known;
  try {
    if (!where) {
      const target = await api.message(messageId);
      where = { roomId: target.roomId, threadId: target.threadId };
    }
    const room = getState().rooms.get(where.roomId) ?? (await api.room(where.roomId));
    putRoom(room);
    const topId = where.threadId ?? messageId;
    if (!getState().timelines[room.id]?.ids.includes(topId)) {
      const page = await api.history(room.id, { around: topId, limit: AROUND_PAGE });
      setTimeline(room.id, page, 'around');
    }
    await openRoom(room.id);
    setState({ highlight: { roomId: room.id, messageId: topId, nonce: Date.now() } });
    if (where.threadId) await openThread(where.threadId);
    return room;
  } catch (err) {
    toast(`Could not open that message: ${errorText(err)}`);
    return undefined;
  }
}
