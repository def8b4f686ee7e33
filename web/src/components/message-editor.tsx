import { type ReactElement, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { Message } from '../api/types.js';
import { setState, toast } from '../state/store.js';

/** Edits a message in place: Enter saves, Esc cancels. */
export function MessageEditor({ message }: { message: Message }): ReactElement {
  const [text, setText] = useState(message.text);
  const [busy, setBusy] = useState(false);
  const close = () => setState({ editingId: null });

  async function save() {
    if (text.trim() === '' || text === message.text) return close();
    setBusy(true);
    try {
      await api.edit(message.id, text);
      close();
    } catch (err) {
      toast(errorText(err));
      setBusy(false);
    }
  }

  return (
    <div className="editor">
      <textarea
        // biome-ignore lint/a11y/noAutofocus: the user just asked to edit this message
        autoFocus
        value={text}
        aria-label="Edit message"
        data-testid="edit-input"
        rows={Math.min(10, text.split('\n').length + 1)}
        onChange={(e) => setText(e.target.value)}
        onFocus={(e) => e.currentTarget.setSelectionRange(text.length, text.length)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            close();
          } else if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void save();
          }
        }}
      />
      <div className="editor-actions">
        <span className="muted">Esc to cancel · Enter to save</span>
        <button type="button" className="btn small" onClick={close}>
          Cancel
        </button>
        <button type="button" className="btn small primary" disabled={busy} onClick={() => void save()}>
          Save
        </button>
      </div>
    </div>
  );
}
