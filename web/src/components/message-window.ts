// The message list's window: which part of a long timeline is in the DOM, named by message ids.
import type { Message } from '../api/types.js';
import { dayKey } from '../format.js';

/** How many messages are in the DOM at most, how many first, and how many a step adds. */
export const MAX = 220;
export const INITIAL = 60;
export const STEP = 50;
/** Start growing the window this far (px) before its edge is reached. */
export const EDGE = 900;
const GROUP_MS = 5 * 60_000;

/**
 * The window is named by message ids, not indices, so older pages prepended to the timeline do not
 * move what is shown. `last` undefined: the window ends at the newest message and follows it.
 */
export interface Win {
  first: string | undefined;
  last: string | undefined;
}

/** The [start, end) indices of the window in `ids`. */
export function windowBounds(ids: readonly string[], win: Win): [number, number] {
  const lastIdx = win.last === undefined ? -1 : ids.indexOf(win.last);
  const end = lastIdx >= 0 ? lastIdx + 1 : ids.length;
  const firstIdx = win.first === undefined ? -1 : ids.indexOf(win.first);
  let start = firstIdx >= 0 ? firstIdx : Math.max(0, end - INITIAL);
  if (win.last === undefined) start = Math.max(start, end - MAX);
  return [Math.min(start, end), end];
}

/** Whether `m` continues `prev` (same author, same day, within five minutes, no cards): shown without a header. */
export function compactAfter(prev: Message | undefined, m: Message): boolean {
  if (!prev || prev.userId !== m.userId || prev.deletedAt || m.card || prev.card) return false;
  const gap = Date.parse(m.createdAt) - Date.parse(prev.createdAt);
  return gap >= 0 && gap < GROUP_MS && dayKey(prev.createdAt) === dayKey(m.createdAt);
}
