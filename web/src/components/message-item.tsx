import { memo, type ReactElement, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { Message } from '../api/types.js';
import { bytes, clock, fullDate } from '../format.js';
import { setState, toast, useStore } from '../state/store.js';
import { CardView } from './card-view.js';
import { Avatar, Icon } from './icons.js';
import { MessageEditor } from './message-editor.js';
import { MessageText } from './message-text.js';
import { useChatUi } from './ui-context.js';

/** Types the server lets a browser show from /api/files/:id (file-schema.ts INLINE_IMAGE_TYPES). */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export const QUICK_REACTIONS = ['👍', '✅', '👀', '🎉', '🙏', '🔥', '❤️', '😄'];

interface Props {
  message: Message;
  /** Same author shortly after the previous message: no avatar or name. */
  compact: boolean;
  /** Inside the thread panel: no "replies" link. */
  inThread?: boolean;
}

export const MessageItem = memo(function MessageItem({ message: m, compact, inThread }: Props): ReactElement {
  const me = useStore((s) => s.me);
  const editing = useStore((s) => s.editingId === m.id);
  const ui = useChatUi();
  const [picker, setPicker] = useState(false);
  const author = m.username ?? 'unknown';
  const mine = me?.id === m.userId;
  const isAdmin = me?.roles.includes('admin') ?? false;
  const mentionsMe = me ? m.mentions.includes(me.username) : false;
  const files = m.files ?? [];

  if (m.deletedAt) {
    return (
      <div className={`msg deleted${compact ? ' compact' : ''}`} data-id={m.id} data-testid="message">
        <div className="msg-gutter">{compact ? null : <Avatar name={author} />}</div>
        <div className="msg-main">
          <span className="muted italic">This message was deleted.</span>
        </div>
      </div>
    );
  }

  async function react(emoji: string) {
    setPicker(false);
    const mineAlready = m.reactions.some((r) => r.emoji === emoji && me && r.users.includes(me.username));
    try {
      await api.react(m.id, emoji, !mineAlready);
    } catch (err) {
      toast(errorText(err));
    }
  }

  async function pin() {
    try {
      await api.pin(m.id, !m.pinned);
    } catch (err) {
      toast(errorText(err));
    }
  }

  async function remove() {
    const ok = await ui.confirm({
      title: 'Delete message',
      body: 'Delete this message for everyone? Its edit history stays in the audit trail.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.remove(m.id);
    } catch (err) {
      toast(errorText(err));
    }
  }

  return (
    <div
      className={`msg${compact ? ' compact' : ''}${mentionsMe ? ' mentions-me' : ''}${m.pinned ? ' pinned' : ''}`}
      data-id={m.id}
      data-testid="message"
      data-author={author}
      // Focusable by the list's arrow keys (not by Tab): a focused message shows its actions.
      tabIndex={-1}
    >
      <div className="msg-gutter">
        {compact ? (
          <time className="hover-time" dateTime={m.createdAt} title={fullDate(m.createdAt)}>
            {clock(m.createdAt)}
          </time>
        ) : (
          <Avatar name={author} />
        )}
      </div>
      <div className="msg-main">
        {!compact && (
          <div className="msg-head">
            <strong className="author">{author}</strong>
            <time dateTime={m.createdAt} title={fullDate(m.createdAt)}>
              {clock(m.createdAt)}
            </time>
            {m.pinned && (
              <span className="pin-flag" title="Pinned">
                <Icon name="pin" size={12} /> pinned
              </span>
            )}
          </div>
        )}
        {editing ? (
          <MessageEditor message={m} />
        ) : m.text && !(files.length === 1 && files[0]?.name === m.text) ? (
          <MessageText
            text={m.text}
            me={me?.username}
            suffix={
              m.editedAt && !m.card ? (
                <button
                  type="button"
                  className="edited"
                  onClick={() => ui.showEditHistory(m)}
                  title={`Edited ${fullDate(m.editedAt)}: show history`}
                  data-testid="edited-marker"
                >
                  (edited)
                </button>
              ) : undefined
            }
          />
        ) : null}
        {m.card && <CardView message={m} />}
        {files.length > 0 && (
          <div className="files">
            {files.map((f) => {
              const href = `/api/files/${encodeURIComponent(f.id)}`;
              return (
                <div key={f.id} className="file-wrap">
                  {INLINE_IMAGES.has(f.contentType) && (
                    <a href={href} download={f.name} className="image-link" aria-label={`Download ${f.name}`}>
                      <img src={href} alt={f.name} loading="lazy" className="preview" />
                    </a>
                  )}
                  <a
                    className="file"
                    href={href}
                    download={f.name}
                    data-testid="file-attachment"
                    title={`Download ${f.name}`}
                  >
                    <Icon name="file" size={20} />
                    <span className="file-name">{f.name}</span>
                    <span className="muted">{bytes(f.size)}</span>
                    <Icon name="download" size={16} />
                  </a>
                </div>
              );
            })}
          </div>
        )}
        {m.reactions.length > 0 && (
          <div className="reactions">
            {m.reactions.map((r) => {
              const minePressed = me ? r.users.includes(me.username) : false;
              return (
                <button
                  key={r.emoji}
                  type="button"
                  className={`reaction${minePressed ? ' mine' : ''}`}
                  aria-pressed={minePressed}
                  title={r.users.join(', ')}
                  aria-label={`${r.emoji} ${r.count}, by ${r.users.join(', ')}`}
                  onClick={() => void react(r.emoji)}
                  data-testid="reaction"
                >
                  <span>{r.emoji}</span>
                  <span className="count">{r.count}</span>
                </button>
              );
            })}
          </div>
        )}
        {!inThread && m.replyCount > 0 && (
          <button
            type="button"
            className="replies"
            onClick={() => ui.openThread(m.id)}
            data-testid="thread-replies"
          >
            <Icon name="thread" size={14} />
            {m.replyCount} {m.replyCount === 1 ? 'reply' : 'replies'}
          </button>
        )}
      </div>
      <div className={`msg-actions${picker ? ' open' : ''}`} role="toolbar" aria-label="Message actions">
        <button
          type="button"
          className="icon-btn"
          onClick={() => setPicker((p) => !p)}
          aria-label="Add reaction"
          aria-expanded={picker}
          title="Add reaction"
          data-testid="react-button"
        >
          <Icon name="smile" size={16} />
        </button>
        {!inThread && (
          <button
            type="button"
            className="icon-btn"
            onClick={() => ui.openThread(m.id)}
            aria-label="Reply in thread"
            title="Reply in thread"
            data-testid="reply-button"
          >
            <Icon name="thread" size={16} />
          </button>
        )}
        <button
          type="button"
          className="icon-btn"
          onClick={() => void pin()}
          aria-label={m.pinned ? 'Unpin' : 'Pin'}
          title={m.pinned ? 'Unpin' : 'Pin'}
          data-testid="pin-button"
        >
          <Icon name="pin" size={16} />
        </button>
        {m.editedAt && !m.card && (
          <button
            type="button"
            className="icon-btn"
            onClick={() => ui.showEditHistory(m)}
            aria-label="Edit history"
            title="Edit history"
          >
            <Icon name="history" size={16} />
          </button>
        )}
        {mine && !m.card && (
          <button
            type="button"
            className="icon-btn"
            onClick={() => setState({ editingId: m.id })}
            aria-label="Edit"
            title="Edit"
            data-testid="edit-button"
          >
            <Icon name="edit" size={16} />
          </button>
        )}
        {(mine || isAdmin) && (
          <button
            type="button"
            className="icon-btn danger"
            onClick={() => void remove()}
            aria-label="Delete"
            title="Delete"
            data-testid="delete-button"
          >
            <Icon name="trash" size={16} />
          </button>
        )}
        {picker && (
          <div className="emoji-picker" role="menu" aria-label="Reactions">
            {QUICK_REACTIONS.map((e) => (
              <button
                key={e}
                type="button"
                role="menuitem"
                onClick={() => void react(e)}
                aria-label={`React with ${e}`}
                data-testid="emoji-option"
              >
                {e}
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
});
