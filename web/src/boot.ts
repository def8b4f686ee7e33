// The first requests, started before anything else in the bundle runs (main.tsx imports this first,
// and it imports nothing, so it is the first module evaluated): who is signed in, their rooms, unread
// counts, and the newest messages of the room in the URL (or the last one visited). The app takes
// these answers instead of asking again once React is up, so the room's history is not queued behind
// the session's start. Signed out, they answer 401 and are dropped.

/** The key the app keeps the last room visited under (chat-layout.tsx). */
export const LAST_ROOM_KEY = 'opsroom.lastRoom';
/** The size of a room's first page: the app asks for the same, so the early answer fits. */
export const FIRST_PAGE = 50;

const early = new Map<string, Promise<Response>>();

function start(url: string): void {
  early.set(url, fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

/** The URL of a room's first page, by name or id: the same string the app builds for it. */
export function firstPageUrl(room: string): string {
  return `/api/rooms/${encodeURIComponent(room)}/messages?limit=${FIRST_PAGE}`;
}

/** The room the app will open first: `#/r/<name>` (not a message link), else the last one visited. */
function firstRoom(): string | null {
  const m = /^#\/r\/([^/]+)\/?$/.exec(location.hash);
  if (m?.[1]) {
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return null;
    }
  }
  if (location.hash.replace(/^#\/?/, '') !== '') return null;
  try {
    return localStorage.getItem(LAST_ROOM_KEY);
  } catch {
    return null;
  }
}

if (!location.pathname.startsWith('/setup')) {
  start('/api/me');
  start('/api/rooms');
  start('/api/me/unreads');
  const room = firstRoom();
  if (room) start(firstPageUrl(room));
}

/** Early answers are for the page's start only: later, what they say may be out of date. */
const FRESH_MS = 10_000;

/** The early answer for this URL, once: later calls (a refresh) make a request of their own. */
export function takeEarly(url: string): Promise<Response> | undefined {
  const pending = early.get(url);
  early.delete(url);
  return performance.now() < FRESH_MS ? pending : undefined;
}

/** Forgets the early answers not taken (signed out, or another room opened first). */
export function dropEarly(): void {
  early.clear();
}
