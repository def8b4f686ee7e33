// The app's state: one object, immutable slices, read through useStore(selector).
import { useSyncExternalStore } from 'react';
import type { BotCommand, Me, Message, Room, UserView } from '../api/types.js';

/** `open`: live; `connecting`: the first connection; `reconnecting`: lost, retrying with backoff. */
export type Connection = 'connecting' | 'open' | 'reconnecting';

/**
 * The loaded part of a room's main timeline (top-level messages), oldest first. Usually it reaches the
 * newest message; after a jump to an old message it is a slice in the middle (`hasNewer`), which
 * grows down as the reader scrolls, and live messages wait in `live` until it reaches the end again.
 */
export interface Timeline {
  ids: readonly string[];
  /** Older messages exist on the server. */
  hasMore: boolean;
  /** Newer messages exist on the server than the last of `ids`. */
  hasNewer: boolean;
  /** Messages that arrived live while `hasNewer`: added once the timeline reaches the end. */
  live: readonly string[];
  loading: boolean;
}

export interface Thread {
  /** Replies, oldest first (the root is `messages.get(rootId)`). */
  ids: readonly string[];
  loading: boolean;
}

export interface Toast {
  id: number;
  text: string;
  kind: 'error' | 'info';
}

export interface State {
  me: Me | null;
  rooms: ReadonlyMap<string, Room>;
  /** Every message the app holds, main timelines and threads alike. Replaced per message on change. */
  messages: ReadonlyMap<string, Message>;
  timelines: Readonly<Record<string, Timeline>>;
  threads: Readonly<Record<string, Thread>>;
  users: readonly UserView[];
  commands: readonly BotCommand[];
  connection: Connection;
  activeRoomId: string | null;
  openThreadId: string | null;
  /** Back to the newest messages of a room, once per nonce (after sending a message). */
  toLatest: { roomId: string; nonce: number } | null;
  /** A message to scroll to and flash once (jump from search). */
  highlight: { roomId: string; messageId: string; nonce: number } | null;
  toasts: readonly Toast[];
  /** The message being edited in place (Up-arrow in an empty composer, or its Edit button). */
  editingId: string | null;
  /** How many messages were unread when the room was opened: where the "New" line goes. */
  newOnOpen: { roomId: string; count: number } | null;
}

const initial: State = {
  me: null,
  rooms: new Map(),
  messages: new Map(),
  timelines: {},
  threads: {},
  users: [],
  commands: [],
  connection: 'connecting',
  activeRoomId: null,
  openThreadId: null,
  highlight: null,
  toLatest: null,
  toasts: [],
  editingId: null,
  newOnOpen: null,
};

let state: State = initial;
const listeners = new Set<() => void>();
let scheduled = false;

export function getState(): State {
  return state;
}

/**
 * Applies a change and notifies subscribers once per microtask, so a burst of events (a replay after
 * reconnecting) renders once.
 */
export function setState(change: Partial<State> | ((s: State) => Partial<State>)): void {
  const patch = typeof change === 'function' ? change(state) : change;
  state = { ...state, ...patch };
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    for (const fn of listeners) fn();
  });
}

export function resetState(): void {
  setState(initial);
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Reads a slice; the component re-renders when the selected value changes (by identity). */
export function useStore<T>(selector: (s: State) => T): T {
  return useSyncExternalStore(subscribe, () => selector(state));
}

/** Puts messages into the shared map (one copy of the map per batch). */
export function putMessages(list: readonly Message[]): void {
  if (list.length === 0) return;
  setState((s) => {
    const messages = new Map(s.messages);
    for (const m of list) messages.set(m.id, m);
    return { messages };
  });
}

export function updateMessage(id: string, fn: (m: Message) => Message): void {
  setState((s) => {
    const current = s.messages.get(id);
    if (!current) return {};
    const messages = new Map(s.messages);
    messages.set(id, fn(current));
    return { messages };
  });
}

export function putRoom(room: Room): void {
  setState((s) => {
    const rooms = new Map(s.rooms);
    rooms.set(room.id, { ...s.rooms.get(room.id), ...room });
    return { rooms };
  });
}

export function updateRoom(id: string, fn: (r: Room) => Room): void {
  setState((s) => {
    const current = s.rooms.get(id);
    if (!current) return {};
    const rooms = new Map(s.rooms);
    rooms.set(id, fn(current));
    return { rooms };
  });
}

let toastId = 0;
export function toast(text: string, kind: Toast['kind'] = 'error'): void {
  const id = ++toastId;
  setState((s) => ({ toasts: [...s.toasts, { id, text, kind }].slice(-4) }));
  setTimeout(() => setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), 6000);
}

export function roomByName(name: string): Room | undefined {
  for (const room of state.rooms.values()) if (room.name === name) return room;
  return undefined;
}

/** How a room is shown: `#ops`, or the other person's name for a direct conversation. */
export function roomLabel(room: Room, me: Me | null): string {
  if (room.kind !== 'dm') return room.name;
  const names = room.name.replace(/^dm--/, '').split('--');
  return names.find((n) => n !== me?.username) ?? names[0] ?? room.name;
}
