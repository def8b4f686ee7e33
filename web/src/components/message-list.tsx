import {
  Fragment,
  type KeyboardEvent,
  type ReactElement,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import type { Message } from '../api/types.js';
import { dayKey, dayLabel } from '../format.js';
import { roomLabel, useStore } from '../state/store.js';
import { loadNewer, loadOlder, showLatest } from '../state/timeline-actions.js';
import { Avatar, Icon } from './icons.js';
import { MessageItem } from './message-item.js';
import { compactAfter, EDGE, STEP, type Win, windowBounds } from './message-window.js';

export function MessageList({ roomId }: { roomId: string }): ReactElement {
  const timeline = useStore((s) => s.timelines[roomId]);
  const messages = useStore((s) => s.messages);
  const highlight = useStore((s) => (s.highlight?.roomId === roomId ? s.highlight : null));
  const newOnOpen = useStore((s) => (s.newOnOpen?.roomId === roomId ? s.newOnOpen : null));
  const meId = useStore((s) => s.me?.id);
  const firstNewRef = useRef<{ for: object | null; id: string | undefined }>({ for: null, id: undefined });
  const ids = timeline?.ids ?? [];
  const [win, setWin] = useState<Win>({ first: undefined });
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  /** Where the list last scrolled itself to the bottom (following new messages). */
  const autoTop = useRef(0);
  const prefetch = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(prefetch.current), []);
  const anchor = useRef<{ id: string; offset: number } | null>(null);
  const [latestButton, setShowLatest] = useState(false);
  const [flash, setFlash] = useState<string | null>(null);
  const [start, end] = windowBounds(ids, win);

  // A new room starts at its newest messages.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the room changes
  useLayoutEffect(() => {
    setWin({ first: undefined });
    following.current = true;
    setShowLatest(false);
  }, [roomId]);

  /** Remembers the first visible message and where it is, to put it back after the window moves. */
  const keepAnchor = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const top = el.scrollTop;
    for (const node of el.querySelectorAll<HTMLElement>('[data-id]')) {
      if (node.offsetTop + node.offsetHeight > top) {
        anchor.current = { id: node.dataset.id ?? '', offset: node.offsetTop - top };
        return;
      }
    }
  }, []);

  // Near the top: show more of what is loaded above, else fetch the page before it. Near the bottom:
  // the same downwards (after a jump into older history, the page after it). A short list can be
  // near both at once.
  const grow = useCallback(() => {
    const el = scroller.current;
    if (!el || !timeline) return;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    const again = (added: number) => {
      if (added > 0) requestAnimationFrame(() => growRef.current());
    };
    if (el.scrollTop < EDGE) {
      // While following the newest messages the window stays the newest ones (a short window is
      // near its top too); once the reader scrolls up, it grows above them.
      if (start > 0) {
        if (following.current) return;
        keepAnchor();
        setWin({ first: ids[Math.max(0, start - STEP)] });
        return;
      }
      if (timeline.hasMore && !timeline.loading) {
        void loadOlder(roomId).then(again);
        return;
      }
    }
    if (fromBottom < EDGE && end < ids.length) {
      keepAnchor();
      // Moving the start down by a step lets the end take in a step more below.
      setWin({ first: ids[Math.min(ids.length - 1, start + STEP)] });
    } else if (fromBottom < EDGE && timeline.hasNewer && !timeline.loading) {
      void loadNewer(roomId).then(again);
    }
  }, [timeline, ids, start, end, roomId, keepAnchor]);
  const growRef = useRef(grow);
  growRef.current = grow;

  // After each render: restore the anchor, or stay at the bottom when following.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (anchor.current) {
      const node = el.querySelector<HTMLElement>(`[data-id="${CSS.escape(anchor.current.id)}"]`);
      if (node) el.scrollTop = node.offsetTop - anchor.current.offset;
      anchor.current = null;
    } else if (following.current) {
      el.scrollTop = el.scrollHeight;
      autoTop.current = el.scrollTop;
    }
  });

  // Content that changes size on its own (a job card's output, a late image) keeps the bottom in view.
  useEffect(() => {
    const el = scroller.current;
    const inner = el?.firstElementChild;
    if (!el || !inner) return;
    const observer = new ResizeObserver(() => {
      if (!following.current) return;
      el.scrollTop = el.scrollHeight;
      autoTop.current = el.scrollTop;
    });
    observer.observe(inner);
    return () => observer.disconnect();
  }, []);

  // Jump to a message (search): centre the window on it and flash it, once per jump (its nonce), as
  // soon as the message is loaded.
  const jumpReady = highlight ? ids.includes(highlight.messageId) : false;
  // biome-ignore lint/correctness/useExhaustiveDependencies: each jump (nonce) runs once, when its message is in
  useEffect(() => {
    if (!highlight) return;
    const idx = ids.indexOf(highlight.messageId);
    if (idx < 0) return;
    following.current = false;
    setWin({ first: ids[Math.max(0, idx - STEP)] });
    setFlash(highlight.messageId);
    requestAnimationFrame(() => {
      const node = scroller.current?.querySelector<HTMLElement>(
        `[data-id="${CSS.escape(highlight.messageId)}"]`,
      );
      node?.scrollIntoView({ block: 'center' });
      following.current = false;
      setShowLatest(true);
    });
    const t = setTimeout(() => setFlash(null), 2500);
    return () => clearTimeout(t);
  }, [highlight?.nonce, jumpReady]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    // Our own scroll to the bottom, seen after more messages came in (a burst): still following.
    // Only the reader moving up from there stops it.
    if (following.current && el.scrollTop >= autoTop.current - 2 && end >= ids.length) {
      el.scrollTop = el.scrollHeight;
      autoTop.current = el.scrollTop;
      // The page above is fetched ahead of the reader, but after the room has painted.
      clearTimeout(prefetch.current);
      prefetch.current = setTimeout(() => growRef.current(), 400);
      return;
    }
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    following.current = atBottom && end >= ids.length && !timeline?.hasNewer;
    // Reading further up: pin the window's start, so live messages only add below what is read.
    // Back at the bottom: follow the newest again (the window shrinks above, out of sight).
    if (!following.current && win.first === undefined && end > start) setWin({ first: ids[start] });
    else if (following.current && win.first !== undefined) setWin({ first: undefined });
    setShowLatest(
      !following.current &&
        (end < ids.length ||
          timeline?.hasNewer === true ||
          el.scrollHeight - el.scrollTop - el.clientHeight > 400),
    );
    grow();
  };

  /** Up and Down move focus from message to message (their actions show on focus); Home/End jump. */
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!['ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key)) return;
    // Keys typed into an editor or a menu inside a message stay there.
    if ((e.target as HTMLElement).closest('textarea, input, [role=menu]')) return;
    const list = scroller.current;
    if (!list) return;
    const items = [...list.querySelectorAll<HTMLElement>('.msg')];
    const current = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('.msg');
    const at = current ? items.indexOf(current) : items.length;
    const next =
      e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : e.key === 'ArrowUp' ? at - 1 : at + 1;
    const target = items[Math.max(0, Math.min(items.length - 1, next))];
    if (!target) return;
    e.preventDefault();
    target.focus();
    target.scrollIntoView({ block: 'nearest' });
  };

  // Sent a message, or asked for the newest: back to the bottom, following.
  const toLatest = useStore((s) => (s.toLatest?.roomId === roomId ? s.toLatest.nonce : 0));
  useLayoutEffect(() => {
    if (!toLatest) return;
    following.current = true;
    setShowLatest(false);
    setWin({ first: undefined });
  }, [toLatest]);

  const jumpToLatest = () => {
    following.current = true;
    setShowLatest(false);
    setWin({ first: undefined });
    // In an older slice of history (after a jump): the newest page replaces it.
    if (timeline?.hasNewer) void showLatest(roomId);
  };

  // The first unread message: counting back from the newest when the room opened, the n-th one by
  // someone else. Found once, when the first page is in, so later messages do not move the line.
  if (newOnOpen && firstNewRef.current.for !== newOnOpen && timeline && !timeline.loading && ids.length > 0) {
    let left = newOnOpen.count;
    let id: string | undefined;
    for (let i = ids.length - 1; i >= 0 && left > 0; i--) {
      const m = messages.get(ids[i] ?? '');
      if (m && m.userId !== meId && --left === 0) id = m.id;
    }
    firstNewRef.current = { for: newOnOpen, id };
  }
  const firstNew = newOnOpen ? firstNewRef.current.id : undefined;

  const rows: ReactElement[] = [];
  let prev: Message | undefined;
  for (let i = start; i < end; i++) {
    const id = ids[i];
    const m = id === undefined ? undefined : messages.get(id);
    if (!m) continue;
    const newDay = !prev || dayKey(prev.createdAt) !== dayKey(m.createdAt);
    rows.push(
      <Fragment key={m.id}>
        {newDay && (
          <div className="day-sep" data-testid="day-separator">
            <span>{dayLabel(m.createdAt)}</span>
          </div>
        )}
        {m.id === firstNew && (
          <div className="new-sep" data-testid="new-messages">
            <span>New</span>
          </div>
        )}
        <div className={flash === m.id ? 'flash' : undefined}>
          <MessageItem message={m} compact={!newDay && m.id !== firstNew && compactAfter(prev, m)} />
        </div>
      </Fragment>,
    );
    prev = m;
  }

  return (
    <div className="list-wrap">
      <div
        className="message-list"
        ref={scroller}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        role="log"
        aria-label="Messages (arrow keys move between messages)"
        data-testid="message-list"
        // One tab stop for the whole list; the arrow keys move between messages inside it.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard
        tabIndex={0}
      >
        <div className="list-inner">
          {start === 0 && timeline && !timeline.hasMore && !timeline.loading && <RoomStart roomId={roomId} />}
          {timeline?.loading && (
            <div className="loading-older" aria-live="polite">
              Loading…
            </div>
          )}
          {rows}
        </div>
      </div>
      {(latestButton || (win.first !== undefined && (end < ids.length || timeline?.hasNewer === true))) && (
        <button type="button" className="jump-latest" onClick={jumpToLatest} data-testid="jump-latest">
          <Icon name="down" size={14} /> Jump to latest
        </button>
      )}
    </div>
  );
}

/** The top of a room's history: what this room is, instead of an empty space. */
function RoomStart({ roomId }: { roomId: string }): ReactElement | null {
  const room = useStore((s) => s.rooms.get(roomId));
  const me = useStore((s) => s.me);
  if (!room) return null;
  const label = roomLabel(room, me);
  return (
    <div className="room-start" data-testid="room-start">
      {room.kind === 'dm' ? (
        <>
          <Avatar name={label} size={48} />
          <h2>{label}</h2>
          <p>
            This is the very beginning of your conversation with <strong>@{label}</strong>.
          </p>
        </>
      ) : (
        <>
          <h2>
            <Icon
              name={room.kind === 'private' ? 'lock' : room.kind === 'incident' ? 'siren' : 'hash'}
              size={20}
            />
            {room.name}
          </h2>
          <p>
            This is the very beginning of <strong>#{room.name}</strong>
            {room.topic ? <>: {room.topic}</> : '.'}
          </p>
        </>
      )}
    </div>
  );
}
