import { type ReactElement, useState } from 'react';
import type { Room } from '../api/types.js';
import { navigate, roomHref } from '../router.js';
import { roomLabel, useStore } from '../state/store.js';
import { Avatar, Icon } from './icons.js';
import { Modal } from './modal.js';

/** Ctrl/Cmd+K: type part of a name, arrows to pick, Enter to go. */
export function RoomSwitcher({ onClose }: { onClose: () => void }): ReactElement {
  const rooms = useStore((s) => s.rooms);
  const me = useStore((s) => s.me);
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const needle = q.toLowerCase().replace(/^[#@]/, '');
  const score = (r: Room) => {
    const label = roomLabel(r, me);
    const unread = (r.mentionCount ?? 0) * 100 + (r.unreadCount ?? 0);
    return (label.startsWith(needle) ? 1000 : 0) + (r.isMember ? 500 : 0) + Math.min(unread, 400);
  };
  const list = [...rooms.values()]
    .filter((r) => roomLabel(r, me).includes(needle))
    .sort((a, b) => score(b) - score(a) || roomLabel(a, me).localeCompare(roomLabel(b, me)))
    .slice(0, 12);
  const go = (r: Room | undefined) => {
    if (!r) return;
    onClose();
    navigate(roomHref(r.name));
  };
  return (
    <Modal title="Jump to a room" onClose={onClose} testId="room-switcher">
      <input
        className="filter big"
        placeholder="Room or person"
        aria-label="Room or person"
        value={q}
        // biome-ignore lint/a11y/noAutofocus: the switcher is for typing
        autoFocus
        data-testid="switcher-input"
        onChange={(e) => {
          setQ(e.target.value);
          setSel(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setSel((i) => Math.min(list.length - 1, i + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setSel((i) => Math.max(0, i - 1));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            go(list[sel]);
          }
        }}
      />
      <div className="switch-list" role="listbox" aria-label="Rooms">
        {list.map((r, i) => (
          <div
            key={r.id}
            role="option"
            tabIndex={-1}
            aria-selected={i === sel}
            className={`switch-item${i === sel ? ' selected' : ''}`}
            onMouseEnter={() => setSel(i)}
            onClick={() => go(r)}
            onKeyDown={() => {}}
          >
            {r.kind === 'dm' ? (
              <Avatar name={roomLabel(r, me)} size={20} />
            ) : (
              <Icon
                name={r.kind === 'private' ? 'lock' : r.kind === 'incident' ? 'siren' : 'hash'}
                size={16}
              />
            )}
            <span className="room-name">{roomLabel(r, me)}</span>
            {!r.isMember && <span className="muted small">not joined</span>}
            {(r.mentionCount ?? 0) > 0 && <span className="badge mention">{r.mentionCount}</span>}
            {(r.mentionCount ?? 0) === 0 && (r.unreadCount ?? 0) > 0 && (
              <span className="badge">{r.unreadCount}</span>
            )}
          </div>
        ))}
        {list.length === 0 && <div className="muted pad">No room matches.</div>}
      </div>
    </Modal>
  );
}
