import { type ReactElement, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { Room } from '../api/types.js';
import { putRoom, roomLabel, toast, useStore } from '../state/store.js';
import { Avatar, Icon } from './icons.js';

interface Props {
  room: Room;
  onMenu: () => void;
  onSearch: (query: string) => void;
  onPins: () => void;
  onMembers: () => void;
  onLeave: () => void;
}

export function RoomHeader({ room, onMenu, onSearch, onPins, onMembers, onLeave }: Props): ReactElement {
  const me = useStore((s) => s.me);
  const elsewhere = useStore((s) => {
    let unread: 'mention' | 'unread' | null = null;
    for (const r of s.rooms.values()) {
      if (r.id === room.id || !r.isMember) continue;
      if ((r.mentionCount ?? 0) > 0) return 'mention';
      if ((r.unreadCount ?? 0) > 0) unread = 'unread';
    }
    return unread;
  });
  const [editing, setEditing] = useState(false);
  const [topic, setTopic] = useState(room.topic);
  const label = roomLabel(room, me);

  async function saveTopic() {
    setEditing(false);
    if (topic === room.topic) return;
    try {
      putRoom(await api.setTopic(room.id, topic));
    } catch (err) {
      toast(errorText(err));
      setTopic(room.topic);
    }
  }

  return (
    <header className="room-header">
      <button
        type="button"
        className="icon-btn menu-btn"
        onClick={onMenu}
        aria-label={elsewhere ? 'Open the room list (unread messages)' : 'Open the room list'}
        data-testid="open-drawer"
      >
        <Icon name="menu" />
        {elsewhere && (
          <span className={`menu-dot${elsewhere === 'mention' ? ' mention' : ''}`} aria-hidden="true" />
        )}
      </button>
      <div className="room-title">
        <h1 data-testid="room-title">
          {room.kind === 'dm' ? (
            <Avatar name={label} size={22} />
          ) : (
            <Icon
              name={room.kind === 'private' ? 'lock' : room.kind === 'incident' ? 'siren' : 'hash'}
              size={18}
            />
          )}
          <span className="room-name">{label}</span>
          {room.kind === 'incident' && <span className="tag danger">incident</span>}
        </h1>
        {editing ? (
          <input
            className="topic-input"
            value={topic}
            maxLength={500}
            aria-label="Room topic"
            // biome-ignore lint/a11y/noAutofocus: the user clicked the topic to edit it
            autoFocus
            onChange={(e) => setTopic(e.target.value)}
            onBlur={() => void saveTopic()}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void saveTopic();
              if (e.key === 'Escape') {
                e.stopPropagation();
                setTopic(room.topic);
                setEditing(false);
              }
            }}
            data-testid="topic-input"
          />
        ) : (
          <button
            type="button"
            className="topic"
            onClick={() => {
              setTopic(room.topic);
              setEditing(room.isMember && room.kind !== 'dm');
            }}
            title={room.topic || 'Set a topic'}
            data-testid="room-topic"
          >
            {room.topic || (room.isMember && room.kind !== 'dm' ? 'Add a topic' : '')}
          </button>
        )}
      </div>
      <div className="header-actions">
        <button
          type="button"
          className="header-search"
          onClick={() => onSearch('')}
          aria-label="Search messages"
          title="Search messages"
          data-testid="search-button"
        >
          <Icon name="search" size={15} />
          <span>Search</span>
        </button>
        <button
          type="button"
          className="icon-btn"
          onClick={onPins}
          aria-label="Pinned messages"
          title="Pinned messages"
          data-testid="open-pins"
        >
          <Icon name="pin" />
        </button>
        <button
          type="button"
          className="members-btn"
          onClick={onMembers}
          aria-label={`${room.memberCount} members`}
          title="Members"
          data-testid="open-members"
        >
          <Icon name="users" size={16} />
          <span>{room.memberCount}</span>
        </button>
        {room.isMember && room.kind !== 'dm' && (
          <button
            type="button"
            className="icon-btn"
            onClick={onLeave}
            aria-label="Leave room"
            title="Leave room"
            data-testid="leave-room"
          >
            <Icon name="logout" />
          </button>
        )}
      </div>
    </header>
  );
}
