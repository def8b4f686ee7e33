// A room's timeline, page by page: the newest page, older pages above, newer pages below (after a
// jump into older history), and back to the newest.
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { HistoryPage } from '../api/types.js';
import { FIRST_PAGE } from '../boot.js';
import { getState, putMessages, setState, type Timeline, toast } from './store.js';

const OLDER_PAGE = 100;

/**
 * Puts a page into the room's timeline. `replace`: the newest page (messages that arrived live
 * meanwhile stay after it). `prepend`/`append`: the page before or after what is loaded. `around`: a
 * page somewhere in the middle, instead of what was loaded.
 */
export function setTimeline(
  roomId: string,
  page: HistoryPage,
  how: 'replace' | 'prepend' | 'append' | 'around',
): void {
  putMessages(page.messages);
  setState((s) => {
    const old = s.timelines[roomId];
    const pageIds = page.messages.map((m) => m.id);
    const have = new Set(pageIds);
    const newest = page.messages.at(-1)?.createdAt ?? '';
    let next: Timeline;
    if (how === 'prepend' && old) {
      const kept = new Set(old.ids);
      next = { ...old, ids: [...pageIds.filter((id) => !kept.has(id)), ...old.ids], hasMore: page.hasOlder };
    } else if (how === 'append' && old) {
      const kept = new Set(old.ids);
      const ids = [...old.ids, ...pageIds.filter((id) => !kept.has(id))];
      // At the end now: what came live meanwhile follows.
      if (!page.hasNewer) ids.push(...old.live.filter((id) => !have.has(id) && !kept.has(id)));
      next = { ...old, ids, hasNewer: page.hasNewer, live: page.hasNewer ? old.live : [] };
    } else {
      // Messages that arrived live while the page loaded (newer than it) come after it.
      const later = [...(old?.ids ?? []), ...(old?.live ?? [])].filter((id) => {
        const m = s.messages.get(id);
        return !have.has(id) && m !== undefined && m.createdAt >= newest;
      });
      next = {
        ids: page.hasNewer ? pageIds : [...pageIds, ...later],
        hasMore: page.hasOlder,
        hasNewer: page.hasNewer,
        live: page.hasNewer ? later : [],
        loading: false,
      };
    }
    return { timelines: { ...s.timelines, [roomId]: { ...next, loading: false } } };
  });
}

/** The page before the oldest loaded message. Resolves to how many were added. */
export async function loadOlder(roomId: string): Promise<number> {
  const timeline = getState().timelines[roomId];
  if (!timeline || timeline.loading || !timeline.hasMore) return 0;
  const before = timeline.ids[0];
  setLoading(roomId, true);
  try {
    const page = await api.history(roomId, { limit: OLDER_PAGE, ...(before ? { before } : {}) });
    setTimeline(roomId, page, 'prepend');
    return page.messages.length;
  } catch (err) {
    toast(`Could not load older messages: ${errorText(err)}`);
    setLoading(roomId, false);
    return 0;
  }
}

/** After a jump into older history: the page after the newest loaded message. */
export async function loadNewer(roomId: string): Promise<number> {
  const timeline = getState().timelines[roomId];
  const after = timeline?.ids.at(-1);
  if (!timeline || timeline.loading || !timeline.hasNewer || !after) return 0;
  setLoading(roomId, true);
  try {
    const page = await api.history(roomId, { limit: OLDER_PAGE, after });
    setTimeline(roomId, page, 'append');
    return page.messages.length;
  } catch (err) {
    toast(`Could not load newer messages: ${errorText(err)}`);
    setLoading(roomId, false);
    return 0;
  }
}

/** Back to the newest messages: a timeline left in older history is replaced by the newest page. */
export async function showLatest(roomId: string): Promise<void> {
  if (!getState().timelines[roomId]?.hasNewer) return;
  setLoading(roomId, true);
  try {
    setTimeline(roomId, await api.history(roomId, { limit: FIRST_PAGE }), 'replace');
  } catch (err) {
    toast(`Could not load the newest messages: ${errorText(err)}`);
    setLoading(roomId, false);
  }
}

function setLoading(roomId: string, loading: boolean): void {
  setState((s) => {
    const timeline = s.timelines[roomId];
    return timeline ? { timelines: { ...s.timelines, [roomId]: { ...timeline, loading } } } : {};
  });
}
