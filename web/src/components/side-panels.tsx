import {
  type FormEvent,
  type ReactElement,
  type ReactNode,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { Member, Room, SearchHit } from '../api/types.js';
import { shortDate } from '../format.js';
import { navigate, roomHref } from '../router.js';
import { jumpTo } from '../state/chat-actions.js';
import { putMessages, useStore } from '../state/store.js';
import { Composer } from './composer.js';
import { Avatar, Icon } from './icons.js';
import { MessageItem } from './message-item.js';

function Panel(props: { title: ReactNode; onClose: () => void; children: ReactNode; testId: string }) {
  return (
    <aside
      className="side-panel"
      aria-label={typeof props.title === 'string' ? props.title : 'Panel'}
      data-testid={props.testId}
    >
      <header className="panel-head">
        <h2>{props.title}</h2>
        <button
          type="button"
          className="icon-btn"
          onClick={props.onClose}
          aria-label="Close panel"
          data-testid="close-panel"
        >
          <Icon name="close" />
        </button>
      </header>
      {props.children}
    </aside>
  );
}

export function ThreadPanel({ rootId, onClose }: { rootId: string; onClose: () => void }): ReactElement {
  const root = useStore((s) => s.messages.get(rootId));
  const thread = useStore((s) => s.threads[rootId]);
  const messages = useStore((s) => s.messages);
  const room = useStore((s) => (root ? s.rooms.get(root.roomId) : undefined));
  const scroller = useRef<HTMLDivElement>(null);
  const count = thread?.ids.length ?? 0;
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll to the newest reply when one arrives
  useLayoutEffect(() => {
    if (scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [count]);
  return (
    <Panel
      title={<>Thread{room ? <span className="muted"> · #{room.name}</span> : null}</>}
      onClose={onClose}
      testId="thread-panel"
    >
      <div className="panel-scroll" ref={scroller}>
        {root && <MessageItem message={root} compact={false} inThread />}
        <div className="thread-count muted">
          {count} {count === 1 ? 'reply' : 'replies'}
        </div>
        {thread?.ids.map((id) => {
          const m = messages.get(id);
          return m ? <MessageItem key={id} message={m} compact={false} inThread /> : null;
        })}
      </div>
      {root && <Composer roomId={root.roomId} threadId={rootId} placeholder="Reply in thread…" />}
    </Panel>
  );
}

type Filter = 'in' | 'from' | 'after' | 'before';

/** The value of a filter in the query (`in:#ops` → `ops`), or ''. */
function filterOf(q: string, name: Filter): string {
  const m = new RegExp(`(?:^|\\s)${name}:(\\S+)`).exec(q);
  return (m?.[1] ?? '').replace(/^[#@]/, '');
}

/** The query with one filter replaced (or removed when `value` is empty), words kept as typed. */
export function withFilter(q: string, name: Filter, value: string): string {
  const rest = q
    .replace(new RegExp(`(^|\\s)${name}:\\S+`, 'g'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!value) return rest;
  const token = name === 'in' ? `in:#${value}` : name === 'from' ? `from:@${value}` : `${name}:${value}`;
  return `${rest} ${token}`.trim();
}

/** Snippets mark matches with `**`: shown as <mark>, all as text. */
function Snippet({ text }: { text: string }): ReactElement {
  // Code fences read as noise in a one-line snippet.
  const parts = text.replace(/```\w*/g, ' ').split('**');
  return (
    <span className="snippet">
      {parts.map((p, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one string, in order
        i % 2 === 1 ? <mark key={i}>{p}</mark> : <span key={i}>{p}</span>,
      )}
    </span>
  );
}

export function SearchPanel(props: { initial: string; onClose: () => void }): ReactElement {
  const [q, setQ] = useState(props.initial);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const allRooms = useStore((s) => s.rooms);
  const users = useStore((s) => s.users);
  const rooms = [...allRooms.values()]
    .filter((r) => r.kind !== 'dm')
    .sort((a, b) => a.name.localeCompare(b.name));

  async function run(e?: FormEvent, before?: number) {
    e?.preventDefault();
    if (!q.trim()) return;
    setBusy(true);
    setError('');
    try {
      const r = await api.search(q.trim(), before);
      setHits((h) => (before ? [...(h ?? []), ...r.hits] : r.hits));
      setNext(r.nextBefore);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new initial query (from the header) runs once
  useEffect(() => {
    setQ(props.initial);
    if (props.initial) void runWith(props.initial);
  }, [props.initial]);

  async function runWith(query: string) {
    setBusy(true);
    try {
      const r = await api.search(query);
      setHits(r.hits);
      setNext(r.nextBefore);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  function setFilter(name: Filter, value: string) {
    const next = withFilter(q, name, value);
    setQ(next);
    if (next) void runWith(next);
  }

  async function open(hit: SearchHit) {
    const room = await jumpTo(hit.messageId, { roomId: hit.roomId, threadId: hit.threadId });
    if (room) navigate(roomHref(room.name), true);
  }

  return (
    <Panel title="Search" onClose={props.onClose} testId="search-panel">
      <form className="search-form" onSubmit={(e) => void run(e)}>
        <input
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder='words "a phrase" in:#room from:@user'
          aria-label="Search messages"
          data-testid="search-input"
          // biome-ignore lint/a11y/noAutofocus: the panel opens to search
          autoFocus
        />
        <div className="search-filters">
          <select
            value={filterOf(q, 'in')}
            onChange={(e) => setFilter('in', e.target.value)}
            aria-label="In room"
            data-testid="search-in"
          >
            <option value="">Any room</option>
            {rooms.map((r) => (
              <option key={r.id} value={r.name}>
                #{r.name}
              </option>
            ))}
          </select>
          <select
            value={filterOf(q, 'from')}
            onChange={(e) => setFilter('from', e.target.value)}
            aria-label="From"
            data-testid="search-from"
          >
            <option value="">Anyone</option>
            {users.map((u) => (
              <option key={u.id} value={u.username}>
                @{u.username}
              </option>
            ))}
          </select>
          <label>
            <span>After</span>
            <input
              type="date"
              value={filterOf(q, 'after')}
              onChange={(e) => setFilter('after', e.target.value)}
            />
          </label>
          <label>
            <span>Before</span>
            <input
              type="date"
              value={filterOf(q, 'before')}
              onChange={(e) => setFilter('before', e.target.value)}
            />
          </label>
        </div>
        <div className="search-tips muted">
          Or type them: <code>in:#room</code> <code>from:@user</code> <code>after:2026-01-31</code>{' '}
          <code>"a phrase"</code>
        </div>
      </form>
      <div className="panel-scroll">
        {error && <p className="form-error pad">{error}</p>}
        {busy && !hits && <p className="muted pad">Searching…</p>}
        {hits?.length === 0 && <p className="muted pad">Nothing found.</p>}
        <ul className="hits">
          {hits?.map((h) => (
            <li key={h.messageId}>
              <button type="button" className="hit" onClick={() => void open(h)} data-testid="search-hit">
                <div className="hit-meta">
                  <strong>#{h.roomName}</strong>
                  <span>@{h.username ?? 'unknown'}</span>
                  <span className="muted">{shortDate(h.createdAt)}</span>
                  {h.threadId && <span className="muted">in a thread</span>}
                </div>
                <Snippet text={h.snippet} />
              </button>
            </li>
          ))}
        </ul>
        {next !== null && (
          <button
            type="button"
            className="btn small wide"
            disabled={busy}
            onClick={() => void run(undefined, next)}
          >
            More results
          </button>
        )}
      </div>
    </Panel>
  );
}

export function PinsPanel({ room, onClose }: { room: Room; onClose: () => void }): ReactElement {
  const [ids, setIds] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  const messages = useStore((s) => s.messages);
  // Pins made or removed while the panel is open (seen on loaded messages) fetch the list again.
  const pinKey = useStore((s) => {
    let key = '';
    for (const m of s.messages.values()) if (m.roomId === room.id && m.pinned) key += `${m.id},`;
    return key;
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: pinKey changing is the reason to fetch again
  useEffect(() => {
    let alive = true;
    api.pins(room.id).then(
      (r) => {
        if (!alive) return;
        putMessages(r.messages);
        setIds(r.messages.map((m) => m.id));
      },
      (err) => alive && setError(errorText(err)),
    );
    return () => {
      alive = false;
    };
  }, [room.id, pinKey]);
  const pinned = (ids ?? []).flatMap((id) => {
    const m = messages.get(id);
    return m?.pinned && !m.deletedAt ? [m] : [];
  });
  return (
    <Panel title="Pinned" onClose={onClose} testId="pins-panel">
      <div className="panel-scroll">
        {error && <p className="form-error pad">{error}</p>}
        {ids === null && !error && <p className="muted pad">Loading…</p>}
        {ids !== null && pinned.length === 0 && (
          <p className="muted pad">
            Nothing is pinned here yet. Pin a message from its menu to keep it handy.
          </p>
        )}
        {pinned.map((m) => (
          <div key={m.id} className="pin-entry" data-testid="pinned-message">
            <MessageItem message={m} compact={false} inThread />
            <button
              type="button"
              className="link-btn"
              onClick={() => void jumpTo(m.id, { roomId: m.roomId, threadId: m.threadId })}
            >
              Show in the room
            </button>
          </div>
        ))}
      </div>
    </Panel>
  );
}

export function MembersPanel({ room, onClose }: { room: Room; onClose: () => void }): ReactElement {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [add, setAdd] = useState('');
  const [error, setError] = useState('');
  const load = () =>
    api.members(room.id).then(
      (r) => setMembers(r.members),
      (err) => setError(errorText(err)),
    );
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the room or its size changes
  useEffect(() => {
    void load();
  }, [room.id, room.memberCount]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await api.addMember(room.id, add.trim().replace(/^@/, ''));
      setAdd('');
      void load();
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <Panel title="Members" onClose={onClose} testId="members-panel">
      {room.kind !== 'dm' && (
        <form className="search-form" onSubmit={submit}>
          <input
            value={add}
            onChange={(e) => setAdd(e.target.value)}
            placeholder="Add someone by username"
            aria-label="Add member"
          />
        </form>
      )}
      <div className="panel-scroll">
        {error && <p className="form-error pad">{error}</p>}
        <ul className="member-list">
          {members?.map((m) => (
            <li key={m.userId}>
              <Avatar name={m.username} size={28} />
              <span>{m.username}</span>
              {m.role !== 'member' && <span className="muted small">{m.role}</span>}
            </li>
          ))}
        </ul>
      </div>
    </Panel>
  );
}
