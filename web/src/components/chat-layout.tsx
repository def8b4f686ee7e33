import { lazy, type ReactElement, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { CardButton, Message, Room } from '../api/types.js';
import { LAST_ROOM_KEY } from '../boot.js';
import { navigate, type Route, roomHref } from '../router.js';
import { joinRoom, jumpTo, leaveRoom, openRoom, openThread } from '../state/chat-actions.js';
import { getState, putRoom, roomByName, roomLabel, toast, useStore } from '../state/store.js';
import { isRisky } from './card-view.js';
import { Composer, type ComposerHandle } from './composer.js';
import { ConfirmDialog, type ConfirmRequest } from './confirm-dialog.js';
import { Icon } from './icons.js';
import { MessageList } from './message-list.js';
import { RoomHeader } from './room-header.js';
import { RoomSwitcher } from './room-switcher.js';
import { MembersPanel, PinsPanel, SearchPanel, ThreadPanel } from './side-panels.js';
import { Sidebar } from './sidebar.js';
import { type ChatUi, ChatUiContext } from './ui-context.js';

type Panel = { kind: 'search'; q: string; n: number } | { kind: 'pins' } | { kind: 'members' } | null;
type Dialog = 'switcher' | 'create' | 'browse' | 'dm' | null;
const LAST_ROOM = LAST_ROOM_KEY;

// Opened now and then: their code loads the first time one opens, not with the room.
const dialogs = () => import('./dialogs.js');
const CreateRoomDialog = lazy(() => dialogs().then((m) => ({ default: m.CreateRoomDialog })));
const BrowseRoomsDialog = lazy(() => dialogs().then((m) => ({ default: m.BrowseRoomsDialog })));
const NewDmDialog = lazy(() => dialogs().then((m) => ({ default: m.NewDmDialog })));
const EditHistoryDialog = lazy(() => dialogs().then((m) => ({ default: m.EditHistoryDialog })));

export function ChatLayout({ route }: { route: Extract<Route, { page: 'room' }> }): ReactElement {
  const rooms = useStore((s) => s.rooms);
  const threadId = useStore((s) => s.openThreadId);
  const reconnecting = useStore((s) => s.connection === 'reconnecting');
  const [panel, setPanel] = useState<Panel>(null);
  const [drawer, setDrawer] = useState(false);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [confirmReq, setConfirmReq] = useState<ConfirmRequest | null>(null);
  const [historyOf, setHistoryOf] = useState<Message | null>(null);
  const [dragging, setDragging] = useState(false);
  const composer = useRef<ComposerHandle>(null);
  const room = route.room ? roomByNameIn(rooms, route.room) : undefined;

  // A link to a message: show it in its room.
  useEffect(() => {
    if (!route.message) return;
    void jumpTo(route.message).then((r) => r && navigate(roomHref(r.name), true));
  }, [route.message]);

  // No room named: the last one visited, else the first joined.
  useEffect(() => {
    if (route.room || rooms.size === 0) return;
    const last = localStorage.getItem(LAST_ROOM);
    const joined = [...rooms.values()].filter((r) => r.isMember && r.kind !== 'dm');
    const pick =
      (last && roomByName(last)?.name) || joined.find((r) => r.name === 'general')?.name || joined[0]?.name;
    if (pick) navigate(roomHref(pick), true);
  }, [route.room, rooms]);

  // A room not in the list yet (a public room by link): fetch it.
  useEffect(() => {
    if (!route.room || room || rooms.size === 0) return;
    api.room(route.room).then(putRoom, (err) => toast(errorText(err)));
  }, [route.room, room, rooms.size]);

  // The tab title names the room and counts what waits elsewhere: "(3) #ops · Opsroom".
  const me = useStore((s) => s.me);
  const waiting = useStore((s) => {
    let n = 0;
    for (const r of s.rooms.values()) if (r.isMember && r.id !== s.activeRoomId) n += r.unreadCount ?? 0;
    return n;
  });
  useEffect(() => {
    const where = room ? `${room.kind === 'dm' ? '@' : '#'}${roomLabel(room, me)} · ` : '';
    document.title = `${waiting > 0 ? `(${waiting}) ` : ''}${where}Opsroom`;
  }, [room, me, waiting]);

  const roomId = room?.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the shown room changes
  useEffect(() => {
    if (!roomId || !room) return;
    void openRoom(roomId);
    localStorage.setItem(LAST_ROOM, room.name);
    setDrawer(false);
    const rootRoom = threadId ? getState().messages.get(threadId)?.roomId : undefined;
    if (rootRoom && rootRoom !== roomId) void openThread(null);
  }, [roomId]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setDialog('switcher');
      } else if (e.key === 'Escape' && !e.defaultPrevented && !document.querySelector('dialog[open]')) {
        if (threadId) void openThread(null);
        else if (panel) setPanel(null);
        else if (drawer) setDrawer(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [threadId, panel, drawer]);

  const ui = useMemo<ChatUi>(
    () => ({
      openThread: (id) => {
        setPanel(null);
        void openThread(id);
      },
      showEditHistory: setHistoryOf,
      confirm: (opts) => new Promise<boolean>((resolve) => setConfirmReq({ ...opts, resolve })),
      pressButton: (message: Message, button: CardButton) => {
        void (async () => {
          if (isRisky(button)) {
            const ok = await new Promise<boolean>((resolve) =>
              setConfirmReq({
                title: button.label,
                body: `“${button.label}” on “${message.card?.title ?? 'this card'}” runs as you. Go ahead?`,
                confirmLabel: button.label,
                danger: button.style === 'danger',
                resolve,
              }),
            );
            if (!ok) return;
          }
          try {
            await api.press(message.id, button.actionId, button.value);
          } catch (err) {
            toast(errorText(err));
          }
        })();
      },
    }),
    [],
  );

  const side = threadId ? (
    <ThreadPanel rootId={threadId} onClose={() => void openThread(null)} />
  ) : panel?.kind === 'search' ? (
    <SearchPanel key={panel.n} initial={panel.q} onClose={() => setPanel(null)} />
  ) : panel?.kind === 'pins' && room ? (
    <PinsPanel room={room} onClose={() => setPanel(null)} />
  ) : panel?.kind === 'members' && room ? (
    <MembersPanel room={room} onClose={() => setPanel(null)} />
  ) : null;

  return (
    <ChatUiContext.Provider value={ui}>
      <div className={`shell${drawer ? ' drawer-open' : ''}${side ? ' with-panel' : ''}`}>
        <Sidebar
          onCreateRoom={() => setDialog('create')}
          onBrowse={() => setDialog('browse')}
          onNewDm={() => setDialog('dm')}
          onSwitcher={() => setDialog('switcher')}
          onNavigate={() => setDrawer(false)}
        />
        {drawer && <div className="scrim" aria-hidden="true" onClick={() => setDrawer(false)} />}
        <main
          className={`room${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            if (room?.isMember && e.dataTransfer.types.includes('Files')) {
              e.preventDefault();
              setDragging(true);
            }
          }}
          onDragLeave={(e) => {
            // Leaving for a child element is not leaving the room; leaving its box is.
            const to = e.relatedTarget as Node | null;
            if (!to || !e.currentTarget.contains(to)) setDragging(false);
          }}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            if (e.dataTransfer.files.length > 0) composer.current?.addFiles(e.dataTransfer.files);
          }}
        >
          {room ? (
            <>
              <RoomHeader
                key={`header-${room.id}`}
                room={room}
                onMenu={() => setDrawer(true)}
                onSearch={(q) => {
                  // The search panel takes the side's place, thread or not.
                  void openThread(null);
                  setPanel({ kind: 'search', q, n: Date.now() });
                }}
                onPins={() => {
                  void openThread(null);
                  setPanel({ kind: 'pins' });
                }}
                onMembers={() => {
                  void openThread(null);
                  setPanel({ kind: 'members' });
                }}
                onLeave={() =>
                  void ui
                    .confirm({
                      title: `Leave #${room.name}`,
                      body: 'You can join again later from Browse rooms.',
                      confirmLabel: 'Leave',
                    })
                    .then(async (ok) => {
                      if (!ok) return;
                      await leaveRoom(room.id);
                      navigate('#/', true);
                    })
                    .catch((err: unknown) => toast(errorText(err)))
                }
              />
              {reconnecting && (
                <div className="offline-banner" role="status" data-testid="reconnecting-banner">
                  <span className="dot" aria-hidden="true" />
                  Connection lost. Reconnecting… Messages sent meanwhile will appear when it is back.
                </div>
              )}
              <MessageList roomId={room.id} />
              {room.isMember ? (
                <Composer
                  key={`composer-${room.id}`}
                  roomId={room.id}
                  placeholder={`Message ${room.kind === 'dm' ? roomLabel(room, me) : `#${room.name}`}`}
                  handle={composer}
                />
              ) : (
                <div className="join-bar">
                  <span>
                    You are viewing <strong>#{room.name}</strong>.
                  </span>
                  <button
                    type="button"
                    className="btn primary"
                    onClick={() => void joinRoom(room.id)}
                    data-testid="join-room"
                  >
                    Join room
                  </button>
                </div>
              )}
              {dragging && (
                <div className="drop-overlay" aria-hidden="true">
                  Drop files to upload to #{room.name}
                </div>
              )}
            </>
          ) : (
            <EmptyRoom
              onMenu={() => setDrawer(true)}
              onCreate={() => setDialog('create')}
              onBrowse={() => setDialog('browse')}
            />
          )}
        </main>
        {side}
      </div>
      {dialog === 'switcher' && <RoomSwitcher onClose={() => setDialog(null)} />}
      <Suspense fallback={null}>
        {dialog === 'create' && <CreateRoomDialog onClose={() => setDialog(null)} />}
        {dialog === 'browse' && <BrowseRoomsDialog onClose={() => setDialog(null)} />}
        {dialog === 'dm' && <NewDmDialog onClose={() => setDialog(null)} />}
        {historyOf && <EditHistoryDialog message={historyOf} onClose={() => setHistoryOf(null)} />}
      </Suspense>
      {confirmReq && <ConfirmDialog request={confirmReq} onDone={() => setConfirmReq(null)} />}
    </ChatUiContext.Provider>
  );
}

function roomByNameIn(rooms: ReadonlyMap<string, Room>, name: string): Room | undefined {
  for (const r of rooms.values()) if (r.name === name || r.id === name) return r;
  return undefined;
}

function EmptyRoom(props: { onMenu: () => void; onCreate: () => void; onBrowse: () => void }): ReactElement {
  const isAdmin = useStore((s) => s.me?.roles.includes('admin') ?? false);
  return (
    <div className="empty-room">
      <button
        type="button"
        className="icon-btn menu-btn floating"
        onClick={props.onMenu}
        aria-label="Open the room list"
      >
        <Icon name="menu" />
      </button>
      <div className="brand-mark big" aria-hidden="true" />
      <h1>Welcome to Opsroom</h1>
      <p className="muted">Pick a room on the left, or start one for your team.</p>
      {isAdmin && (
        <p className="muted">
          New here? <a href="#/admin/users">Add your team</a> in Administration, then create a room with them.
        </p>
      )}
      <div className="row">
        <button type="button" className="btn primary" onClick={props.onCreate}>
          Create a room
        </button>
        <button type="button" className="btn" onClick={props.onBrowse}>
          Browse rooms
        </button>
      </div>
    </div>
  );
}
