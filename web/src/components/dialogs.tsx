import { type FormEvent, type ReactElement, useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { Message, Room } from '../api/types.js';
import { fullDate } from '../format.js';
import { navigate, roomHref } from '../router.js';
import { adoptRoom, joinRoom } from '../state/chat-actions.js';
import { toast, useStore } from '../state/store.js';
import { Avatar, Icon } from './icons.js';
import { Modal } from './modal.js';

// The dialogs opened now and then (create, browse, direct message, edit history): chat-layout.tsx
// loads this module when one is first opened.

export function EditHistoryDialog({
  message,
  onClose,
}: {
  message: Message;
  onClose: () => void;
}): ReactElement {
  const [edits, setEdits] = useState<{ text: string; editedBy: string; editedAt: string }[] | null>(null);
  const [error, setError] = useState('');
  const users = useStore((s) => s.users);
  const nameOf = (id: string) => users.find((u) => u.id === id || u.username === id)?.username ?? 'someone';
  useEffect(() => {
    api.edits(message.id).then(
      (r) => setEdits(r.edits),
      (err) => setError(errorText(err)),
    );
  }, [message.id]);
  return (
    <Modal title="Edit history" onClose={onClose} wide testId="edit-history">
      {error && <p className="form-error">{error}</p>}
      {!edits && !error && <p className="muted">Loading…</p>}
      <ol className="edit-list">
        <li>
          <div className="edit-meta">
            <strong>Now</strong>
            {message.editedAt && <span className="muted">{fullDate(message.editedAt)}</span>}
          </div>
          <pre className="edit-text">{message.text}</pre>
        </li>
        {/* Stored oldest first, each holding the text an edit replaced; shown newest first. */}
        {edits
          ?.map((e, i) => ({ ...e, original: i === 0 }))
          .reverse()
          .map((e) => (
            <li key={e.editedAt + e.text}>
              <div className="edit-meta">
                <strong>{e.original ? 'Original' : 'Earlier version'}</strong>
                <span className="muted">replaced by @{nameOf(e.editedBy)}</span>
                <span className="muted">{fullDate(e.editedAt)}</span>
              </div>
              <pre className="edit-text">{e.text}</pre>
            </li>
          ))}
      </ol>
    </Modal>
  );
}

export function CreateRoomDialog({ onClose }: { onClose: () => void }): ReactElement {
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [kind, setKind] = useState<'public' | 'private' | 'incident'>('public');
  const [error, setError] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      const room = await api.createRoom({ name: name.trim().replace(/^#/, ''), kind, topic: topic.trim() });
      await adoptRoom(room);
      onClose();
      navigate(roomHref(room.name));
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <Modal title="Create a room" onClose={onClose} testId="create-room-dialog">
      <form className="form" onSubmit={submit}>
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value.toLowerCase().replace(/\s+/g, '-'))}
            placeholder="e.g. deploys"
            required
            maxLength={80}
            // biome-ignore lint/a11y/noAutofocus: the dialog's first field
            autoFocus
            data-testid="room-name-input"
          />
          <span className="hint">Lowercase letters, digits, - and _.</span>
        </label>
        <label>
          <span>
            Topic <span className="muted">(optional)</span>
          </span>
          <input value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={500} />
        </label>
        <fieldset className="kind-choice">
          <legend>Kind</legend>
          {(['public', 'private', 'incident'] as const).map((k) => (
            <label key={k} className={kind === k ? 'checked' : undefined}>
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              <Icon name={k === 'public' ? 'hash' : k === 'private' ? 'lock' : 'siren'} size={16} />
              <span>
                <strong>{k[0]?.toUpperCase() + k.slice(1)}</strong>
                <span className="muted">
                  {k === 'public'
                    ? 'Anyone can find and join it'
                    : k === 'private'
                      ? 'Only people who are added'
                      : 'An incident war room, listed on top'}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        {error && <p className="form-error">{error}</p>}
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" data-testid="create-room-submit">
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function BrowseRoomsDialog({ onClose }: { onClose: () => void }): ReactElement {
  const rooms = useStore((s) => s.rooms);
  const [filter, setFilter] = useState('');
  const list = [...rooms.values()]
    .filter((r) => r.kind !== 'dm' && r.name.includes(filter.toLowerCase()))
    .sort((a, b) => a.name.localeCompare(b.name));
  async function open(room: Room) {
    try {
      if (!room.isMember) await joinRoom(room.id);
      onClose();
      navigate(roomHref(room.name));
    } catch (err) {
      toast(errorText(err));
    }
  }
  return (
    <Modal title="Browse rooms" onClose={onClose} wide testId="browse-dialog">
      <input
        className="filter"
        placeholder="Filter rooms"
        aria-label="Filter rooms"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        onKeyDown={(e) => {
          const first = list[0];
          if (e.key === 'Enter' && first) void open(first);
        }}
        // biome-ignore lint/a11y/noAutofocus: the dialog's first field
        autoFocus
      />
      <ul className="browse-list">
        {list.map((r) => (
          <li key={r.id}>
            <Icon name={r.kind === 'private' ? 'lock' : r.kind === 'incident' ? 'siren' : 'hash'} size={16} />
            <div className="browse-main">
              <strong>{r.name}</strong>
              <span className="muted">
                {r.memberCount} {r.memberCount === 1 ? 'member' : 'members'}
                {r.topic ? ` · ${r.topic}` : ''}
              </span>
            </div>
            <button
              type="button"
              className={`btn small${r.isMember ? '' : ' primary'}`}
              onClick={() => void open(r)}
            >
              {r.isMember ? 'Open' : 'Join'}
            </button>
          </li>
        ))}
        {list.length === 0 && <li className="muted">No rooms match.</li>}
      </ul>
    </Modal>
  );
}

export function NewDmDialog({ onClose }: { onClose: () => void }): ReactElement {
  const users = useStore((s) => s.users);
  const me = useStore((s) => s.me);
  const [filter, setFilter] = useState('');
  const wanted = filter.trim().toLowerCase().replace(/^@/, '');
  const list = users.filter(
    (u) =>
      !u.disabled &&
      u.id !== me?.id &&
      (u.username.includes(wanted) || (u.displayName ?? '').toLowerCase().includes(wanted)),
  );
  async function open(username: string) {
    try {
      const room = await api.openDm(username);
      await adoptRoom(room);
      onClose();
      navigate(roomHref(room.name));
    } catch (err) {
      toast(errorText(err));
    }
  }
  return (
    <Modal title="Direct message" onClose={onClose} testId="dm-dialog">
      <input
        className="filter"
        placeholder="Find someone"
        aria-label="Find someone"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        onKeyDown={(e) => {
          const first = list[0];
          if (e.key === 'Enter' && first) void open(first.username);
        }}
        // biome-ignore lint/a11y/noAutofocus: the dialog's first field
        autoFocus
        data-testid="dm-filter"
      />
      <ul className="browse-list">
        {list.map((u) => (
          <li key={u.id}>
            <Avatar name={u.username} size={28} />
            <div className="browse-main">
              <strong>{u.displayName && u.displayName !== u.username ? u.displayName : u.username}</strong>
              <span className="muted">@{u.username}</span>
            </div>
            <button
              type="button"
              className="btn small primary"
              onClick={() => void open(u.username)}
              data-testid={`dm-open-${u.username}`}
            >
              Message
            </button>
          </li>
        ))}
      </ul>
    </Modal>
  );
}
