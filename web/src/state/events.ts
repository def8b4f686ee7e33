// Applies the gateway's room events to the state. Each room's seq is tracked so a replayed or
// duplicated frame is applied once.
import type { EventFrame, Message, Room } from '../api/types.js';
import { getState, putMessages, putRoom, setState, updateMessage, updateRoom } from './store.js';

const lastSeq = new Map<string, number>();
/** Per room, the seq through which the server's unread counts already include messages. */
const countedThrough = new Map<string, number>();
let onLooking: (roomId: string) => void = () => {};

/** Called when a message arrives in the room the user is looking at (to move the read marker). */
export function setLookingHandler(fn: (roomId: string) => void): void {
  onLooking = fn;
}

export function setCountedThrough(roomId: string, seq: number): void {
  countedThrough.set(roomId, seq);
}

/** The last seq applied per followed room: what a reconnect resumes after. */
export function cursors(): Map<string, number> {
  return lastSeq;
}

export function followRoom(room: Room): void {
  if (!lastSeq.has(room.id)) lastSeq.set(room.id, room.lastSeq);
}

export function forgetRoom(roomId: string): void {
  lastSeq.delete(roomId);
}

export function resetCursors(): void {
  lastSeq.clear();
}

/**
 * When each card was last received live (client clock). A job card's Duration field is as of its
 * update, so the card's elapsed time ticks on from there with no request and no clock skew.
 */
const cardSeenAt = new Map<string, number>();

/** When the message's current card arrived over the socket, if it did since the page loaded. */
export function cardReceivedAt(messageId: string): number | undefined {
  return cardSeenAt.get(messageId);
}

type Handler = (frame: EventFrame) => void;

interface ReactionData {
  messageId: string;
  emoji: string;
  username: string;
}

const handlers: Record<string, Handler> = {
  'message.created': (f) => messageCreated(f.data as Message, f.seq),
  'message.updated': (f) => {
    const m = f.data as Message;
    if (m.card) cardSeenAt.set(m.id, Date.now());
    // Keep the locally counted replies: the server's view of an edited message carries its own.
    if (getState().messages.has(m.id)) updateMessage(m.id, (old) => ({ ...old, ...m }));
  },
  'message.deleted': (f) => {
    const d = f.data as { id: string; deletedAt: string };
    updateMessage(d.id, (m) => ({ ...m, deletedAt: d.deletedAt, text: '', card: null, reactions: [] }));
  },
  'reaction.added': (f) => reaction(f.data as ReactionData, true),
  'reaction.removed': (f) => reaction(f.data as ReactionData, false),
  'message.pinned': (f) =>
    updateMessage((f.data as { messageId: string }).messageId, (m) => ({ ...m, pinned: true })),
  'message.unpinned': (f) =>
    updateMessage((f.data as { messageId: string }).messageId, (m) => ({ ...m, pinned: false })),
  'room.created': (f) => putRoom(f.data as Room),
  'room.updated': (f) => {
    const room = f.data as Room;
    updateRoom(room.id, (r) => ({ ...r, topic: room.topic }));
  },
  'member.joined': (f) => memberChange(f, 1),
  'member.left': (f) => memberChange(f, -1),
};

/** Applies one frame unless it was already seen. */
export function applyFrame(frame: EventFrame): void {
  const seen = lastSeq.get(frame.roomId);
  if (seen !== undefined && frame.seq <= seen) return;
  lastSeq.set(frame.roomId, frame.seq);
  handlers[frame.event]?.(frame);
  updateRoom(frame.roomId, (r) => (frame.seq > r.lastSeq ? { ...r, lastSeq: frame.seq } : r));
}

/** Adds a message the app learnt about (an event, or the answer to its own post), once. */
export function messageCreated(m: Message, seq?: number): void {
  const known = getState().messages.has(m.id);
  if (m.card && seq !== undefined) cardSeenAt.set(m.id, Date.now());
  putMessages([m]);
  if (known) return;
  if (m.threadId === null) {
    setState((st) => {
      const timeline = st.timelines[m.roomId];
      if (!timeline || timeline.ids.includes(m.id) || timeline.live.includes(m.id)) return {};
      // A timeline showing older history must not get a gap: the message waits until it reaches the end.
      const next = timeline.hasNewer
        ? { ...timeline, live: [...timeline.live, m.id] }
        : { ...timeline, ids: [...timeline.ids, m.id] };
      return { timelines: { ...st.timelines, [m.roomId]: next } };
    });
  } else {
    const rootId = m.threadId;
    setState((st) => {
      const thread = st.threads[rootId];
      if (!thread || thread.ids.includes(m.id)) return {};
      return { threads: { ...st.threads, [rootId]: { ...thread, ids: [...thread.ids, m.id] } } };
    });
    updateMessage(rootId, (root) => ({ ...root, replyCount: root.replyCount + 1 }));
  }
  if (seq === undefined || seq > (countedThrough.get(m.roomId) ?? 0)) countUnread(m);
}

function countUnread(m: Message): void {
  const { me, activeRoomId } = getState();
  if (!me || m.userId === me.id) return;
  const looking = m.roomId === activeRoomId && document.visibilityState === 'visible';
  if (looking) {
    onLooking(m.roomId);
    return;
  }
  const mentioned =
    m.mentions.includes(me.username) || m.mentions.includes('here') || m.mentions.includes('channel');
  updateRoom(m.roomId, (r) => ({
    ...r,
    unreadCount: (r.unreadCount ?? 0) + 1,
    mentionCount: (r.mentionCount ?? 0) + (mentioned ? 1 : 0),
  }));
}

function reaction(d: ReactionData, add: boolean): void {
  updateMessage(d.messageId, (m) => {
    const reactions = m.reactions.map((r) => ({ ...r, users: [...r.users] }));
    let entry = reactions.find((r) => r.emoji === d.emoji);
    if (add) {
      if (!entry) {
        entry = { emoji: d.emoji, count: 0, users: [] };
        reactions.push(entry);
      }
      if (!entry.users.includes(d.username)) entry.users.push(d.username);
    } else if (entry) {
      entry.users = entry.users.filter((u) => u !== d.username);
    }
    for (const r of reactions) r.count = r.users.length;
    return { ...m, reactions: reactions.filter((r) => r.count > 0) };
  });
}

function memberChange(f: EventFrame, delta: number): void {
  const { me } = getState();
  const d = f.data as { userId: string };
  updateRoom(f.roomId, (r) => ({
    ...r,
    memberCount: Math.max(0, r.memberCount + delta),
    isMember: d.userId === me?.id ? delta > 0 : r.isMember,
  }));
}
