// The message list's window: which part of a long timeline is in the DOM, named by message ids.
import type { Message } from '../api/types.js';
import { dayKey } from '../format.js';

/** How many messages are in the DOM at most, how many first, and how many a step adds. */
export const MAX = 220;
export const INITIAL = 60;
export const STEP = 30;
/** Start growing the window this far (px) before its edge is reached. */
export const EDGE = 1200;
const GROUP_MS = 5 * 60_000;

/**
 * The window is named by its first message id, not an index, so older pages prepended to the timeline
 * do not move what is shown. `first` undefined: the newest INITIAL messages, following new ones (the
 * reader is at the bottom). Otherwise up to MAX messages from `first` on: new messages are added
 * below while there is room, and nothing above the reader ever shifts.
 */
export interface Win {
  first: string | undefined;
}

/** The [start, end) indices of the window in `ids`. */
export function windowBounds(ids: readonly string[], win: Win): [number, number] {
  const firstIdx = win.first === undefined ? -1 : ids.indexOf(win.first);
  if (firstIdx < 0) return [Math.max(0, ids.length - INITIAL), ids.length];
  return [firstIdx, Math.min(ids.length, firstIdx + MAX)];
}

/** Whether `m` continues `prev` (same author, same day, within five minutes, no cards): shown without a header. */
export function compactAfter(prev: Message | undefined, m: Message): boolean {
  if (!prev || prev.userId !== m.userId || prev.deletedAt || m.card || prev.card) return false;
  const gap = Date.parse(m.createdAt) - Date.parse(prev.createdAt);
  return gap >= 0 && gap < GROUP_MS && dayKey(prev.createdAt) === dayKey(m.createdAt);
}
