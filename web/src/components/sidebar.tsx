import type { ReactElement, ReactNode } from 'react';
import type { Room } from '../api/types.js';
import { signOut } from '../app.js';
import { roomHref } from '../router.js';
import { roomLabel, useStore } from '../state/store.js';
import { toggleTheme, useTheme } from '../theme.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { Avatar, Icon, type IconName } from './icons.js';

export interface SidebarActions {
  onCreateRoom: () => void;
  onBrowse: () => void;
  onNewDm: () => void;
  onSwitcher: () => void;
  onNavigate: () => void;
}

function byName(a: Room, b: Room): number {
  return a.name.localeCompare(b.name);
}

export function Sidebar(props: SidebarActions): ReactElement {
  const rooms = useStore((s) => s.rooms);
  const me = useStore((s) => s.me);
  const theme = useTheme();
  const joined = [...rooms.values()].filter((r) => r.isMember);
  const incidents = joined.filter((r) => r.kind === 'incident').sort(byName);
  const channels = joined.filter((r) => r.kind === 'public' || r.kind === 'private').sort(byName);
  const dms = joined
    .filter((r) => r.kind === 'dm')
    .sort((a, b) => roomLabel(a, me).localeCompare(roomLabel(b, me)));
  const isAdmin = me?.roles.includes('admin') ?? false;

  return (
    <nav className="sidebar" aria-label="Rooms" data-testid="sidebar">
      <div className="sidebar-head">
        <div className="workspace">
          <div className="brand-mark small" aria-hidden="true" />
          <span>Opsroom</span>
        </div>
        <ConnectionIndicator />
      </div>
      <button type="button" className="jump" onClick={props.onSwitcher} data-testid="open-switcher">
        <Icon name="search" size={15} />
        <span>Jump to…</span>
        <kbd>Ctrl K</kbd>
      </button>
      <div className="sidebar-scroll">
        {incidents.length > 0 && (
          <Section title="Incidents" testId="section-incidents">
            {incidents.map((r) => (
              <RoomLink key={r.id} room={r} icon="siren" label={r.name} onNavigate={props.onNavigate} />
            ))}
          </Section>
        )}
        <Section
          title="Rooms"
          testId="section-rooms"
          action={{ label: 'Create a room', onClick: props.onCreateRoom, testId: 'create-room' }}
        >
          {channels.map((r) => (
            <RoomLink
              key={r.id}
              room={r}
              icon={r.kind === 'private' ? 'lock' : 'hash'}
              label={r.name}
              onNavigate={props.onNavigate}
            />
          ))}
          <button
            type="button"
            className="room-link subtle"
            onClick={props.onBrowse}
            data-testid="browse-rooms"
          >
            <Icon name="plus" size={16} />
            <span className="room-name">Browse rooms</span>
          </button>
        </Section>
        <Section
          title="Direct messages"
          testId="section-dms"
          action={{ label: 'New direct message', onClick: props.onNewDm, testId: 'new-dm' }}
        >
          {dms.map((r) => (
            <RoomLink key={r.id} room={r} avatar label={roomLabel(r, me)} onNavigate={props.onNavigate} />
          ))}
        </Section>
      </div>
      <div className="sidebar-foot">
        {me && <Avatar name={me.username} size={28} />}
        <div className="me">
          <strong data-testid="me-username">{me?.displayName || me?.username}</strong>
          <span className="muted">{me?.roles.join(', ')}</span>
        </div>
        {isAdmin && (
          <a className="icon-btn" href="#/admin/users" aria-label="Administration" title="Administration">
            <Icon name="shield" />
          </a>
        )}
        <button
          type="button"
          className="icon-btn"
          onClick={toggleTheme}
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          title="Theme"
          data-testid="theme-toggle"
        >
          <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
        </button>
        <button
          type="button"
          className="icon-btn"
          onClick={() => void signOut()}
          aria-label="Sign out"
          title="Sign out"
          data-testid="sign-out"
        >
          <Icon name="logout" />
        </button>
      </div>
    </nav>
  );
}

function Section(props: {
  title: string;
  testId: string;
  action?: { label: string; onClick: () => void; testId: string };
  children: ReactNode;
}): ReactElement {
  return (
    <section className="side-section" data-testid={props.testId}>
      <h2>
        <span>{props.title}</span>
        {props.action && (
          <button
            type="button"
            className="icon-btn tiny"
            onClick={props.action.onClick}
            aria-label={props.action.label}
            title={props.action.label}
            data-testid={props.action.testId}
          >
            <Icon name="plus" size={15} />
          </button>
        )}
      </h2>
      <div className="side-list">{props.children}</div>
    </section>
  );
}

function RoomLink(props: {
  room: Room;
  label: string;
  icon?: IconName;
  avatar?: boolean;
  onNavigate: () => void;
}): ReactElement {
  const active = useStore((s) => s.activeRoomId === props.room.id);
  const unread = props.room.unreadCount ?? 0;
  const mentions = props.room.mentionCount ?? 0;
  const cls = `room-link${active ? ' active' : ''}${unread > 0 ? ' unread' : ''}`;
  return (
    <a
      className={cls}
      href={roomHref(props.room.name)}
      aria-current={active ? 'page' : undefined}
      onClick={props.onNavigate}
      data-testid={`room-link-${props.room.name}`}
    >
      {props.avatar ? (
        <Avatar name={props.label} size={20} />
      ) : (
        <Icon name={props.icon ?? 'hash'} size={16} />
      )}
      <span className="room-name">{props.label}</span>
      {mentions > 0 ? (
        <span className="badge mention" data-testid="mention-badge">
          {mentions}
          <span className="sr-only"> mentions</span>
        </span>
      ) : unread > 0 ? (
        <span className="badge" data-testid="unread-badge">
          {unread > 99 ? '99+' : unread}
          <span className="sr-only"> unread</span>
        </span>
      ) : null}
    </a>
  );
}
