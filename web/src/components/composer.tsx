import {
  type KeyboardEvent,
  type ReactElement,
  type Ref,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
} from 'react';
import { errorText } from '../api/http.js';
import { bytes } from '../format.js';
import { send, uploadFile } from '../state/chat-actions.js';
import { getState, setState, toast, useStore } from '../state/store.js';
import { argHints, type Completion, commandBeingTyped, completionAt } from './autocomplete.js';
import { Icon } from './icons.js';

export interface ComposerHandle {
  /** Uploads files dropped anywhere on the room. */
  addFiles(files: FileList | File[]): void;
  focus(): void;
}

interface Props {
  roomId: string;
  threadId?: string;
  placeholder: string;
  handle?: Ref<ComposerHandle>;
}

function draftKey(roomId: string, threadId: string | undefined): string {
  return `opsroom.draft.${roomId}${threadId ? `.${threadId}` : ''}`;
}

/** A file on its way up; once stored, the server posts it as a message of its own. */
interface Pending {
  key: number;
  name: string;
  size: number;
}

let pendingKey = 0;

export function Composer({ roomId, threadId, placeholder, handle }: Props): ReactElement {
  const key = draftKey(roomId, threadId);
  const [text, setText] = useState(() => localStorage.getItem(key) ?? '');
  const [caret, setCaret] = useState(0);
  const [selected, setSelected] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const [pending, setPending] = useState<Pending[]>([]);
  const [sending, setSending] = useState(false);
  const commands = useStore((s) => s.commands);
  const users = useStore((s) => s.users);
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // Each room (and thread) has its own draft.
  useEffect(() => {
    setText(localStorage.getItem(key) ?? '');
    setPending([]);
    // Not on touch screens, where focusing opens the keyboard over the room just opened.
    if (window.matchMedia('(pointer: fine)').matches) area.current?.focus();
  }, [key]);

  useEffect(() => {
    if (text) localStorage.setItem(key, text);
    else localStorage.removeItem(key);
  }, [key, text]);

  const completion: Completion | null = dismissed ? null : completionAt(text, caret, commands, users);
  const typing = commandBeingTyped(text, commands);

  useImperativeHandle(handle, () => ({
    addFiles: (files) => void upload([...files]),
    focus: () => area.current?.focus(),
  }));

  async function upload(files: File[]) {
    for (const file of files) {
      const entry: Pending = { key: ++pendingKey, name: file.name, size: file.size };
      setPending((p) => [...p, entry]);
      try {
        await uploadFile(roomId, file, threadId);
      } catch (err) {
        toast(`Could not upload ${file.name}: ${errorText(err)}`);
      } finally {
        setPending((p) => p.filter((x) => x.key !== entry.key));
      }
    }
  }

  function accept(index: number) {
    if (!completion) return;
    const item = completion.items[index];
    if (!item) return;
    const next = text.slice(0, completion.from) + item.insert + text.slice(completion.to);
    const at = completion.from + item.insert.length;
    setText(next);
    setCaret(at);
    setSelected(0);
    requestAnimationFrame(() => area.current?.setSelectionRange(at, at));
  }

  async function submit() {
    const body = text.trim();
    if (!body || sending) return;
    setSending(true);
    try {
      await send(roomId, body, threadId);
      setText('');
    } catch (err) {
      toast(errorText(err));
    } finally {
      setSending(false);
      area.current?.focus();
    }
  }

  /** Up in an empty composer edits your last message here. */
  function editLast(): boolean {
    const s = getState();
    const me = s.me;
    const ids = threadId ? (s.threads[threadId]?.ids ?? []) : (s.timelines[roomId]?.ids ?? []);
    for (let i = ids.length - 1; i >= 0; i--) {
      const m = s.messages.get(ids[i] ?? '');
      if (m && m.userId === me?.id && !m.deletedAt && !m.card) {
        setState({ editingId: m.id });
        return true;
      }
    }
    return false;
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (completion) {
      const n = completion.items.length;
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setSelected((i) => (i + 1) % n);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setSelected((i) => (i - 1 + n) % n);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        accept(Math.min(selected, n - 1));
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setDismissed(true);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'ArrowUp' && text === '' && editLast()) {
      e.preventDefault();
    }
  }

  const listId = `complete-${threadId ?? roomId}`;
  return (
    <div className="composer-wrap">
      {completion && (
        <div
          className="completion"
          role="listbox"
          id={listId}
          aria-label={completion.kind === 'command' ? 'Commands' : 'People'}
          data-testid={`${completion.kind}-autocomplete`}
        >
          <div className="completion-title">{completion.kind === 'command' ? 'Commands' : 'People'}</div>
          {completion.items.map((item, i) => (
            <div
              key={item.key}
              role="option"
              id={`${listId}-${i}`}
              tabIndex={-1}
              aria-selected={i === selected}
              className={`completion-item${i === selected ? ' selected' : ''}`}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(i);
              }}
              onMouseEnter={() => setSelected(i)}
              data-testid="autocomplete-item"
            >
              <span className="completion-label">{item.label}</span>
              <span className="completion-detail">{item.detail}</span>
              {item.hint && <code className="completion-hint">{item.hint}</code>}
            </div>
          ))}
        </div>
      )}
      {!completion && typing && (
        <div className="arg-hints" data-testid="arg-hints">
          <code>{typing.usage[0] ?? typing.name}</code>
          {typing.usage.length > 1 && (
            <span className="muted" title={typing.usage.slice(1).join('\n')}>
              +{typing.usage.length - 1} more {typing.usage.length === 2 ? 'form' : 'forms'}
            </span>
          )}
          {typing.summary && <span className="muted">{typing.summary}</span>}
          {argHints(typing)
            .filter((a) => a.detail)
            .map((a) => (
              <span key={a.name} className="arg-hint">
                <strong>{a.name}</strong> {a.detail}
              </span>
            ))}
        </div>
      )}
      <div className="composer">
        {pending.length > 0 && (
          <div className="pending-files">
            {pending.map((p) => (
              <span key={p.key} className="chip uploading" role="status">
                <Icon name="file" size={14} />
                <span className="file-name">{p.name}</span>
                <span className="muted">{bytes(p.size)} · uploading…</span>
              </span>
            ))}
          </div>
        )}
        <div className="composer-row">
          <button
            type="button"
            className="icon-btn"
            onClick={() => fileInput.current?.click()}
            aria-label="Attach a file"
            title="Attach a file"
            data-testid="attach-button"
          >
            <Icon name="clip" />
          </button>
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            data-testid="file-input"
            onChange={(e) => {
              if (e.target.files) void upload([...e.target.files]);
              e.target.value = '';
            }}
          />
          <textarea
            ref={area}
            value={text}
            rows={1}
            placeholder={placeholder}
            aria-label={placeholder}
            aria-autocomplete="list"
            aria-controls={completion ? listId : undefined}
            aria-activedescendant={completion ? `${listId}-${selected}` : undefined}
            data-testid={threadId ? 'thread-composer' : 'composer'}
            onChange={(e) => {
              setText(e.target.value);
              setCaret(e.target.selectionStart);
              setDismissed(false);
              setSelected(0);
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
            onKeyDown={onKeyDown}
            onPaste={(e) => {
              if (e.clipboardData.files.length > 0) {
                e.preventDefault();
                void upload([...e.clipboardData.files]);
              }
            }}
          />
          <button
            type="button"
            className="send-btn"
            onClick={() => void submit()}
            disabled={sending || text.trim() === ''}
            aria-label="Send"
            data-testid="send-button"
          >
            <Icon name="send" />
          </button>
        </div>
      </div>
      <div className="composer-help muted">
        <span>
          <kbd>Enter</kbd> send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line · <kbd>/</kbd> commands ·{' '}
          <kbd>@</kbd> mention
        </span>
      </div>
    </div>
  );
}
