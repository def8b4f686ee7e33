import { type ReactElement, type ReactNode, useEffect, useRef } from 'react';
import { Icon } from './icons.js';

/**
 * A modal on the native <dialog>: the browser traps focus, Esc closes it, and the page behind is
 * inert. `onClose` runs however it closes.
 */
export function Modal(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  testId?: string;
}): ReactElement {
  const ref = useRef<HTMLDialogElement>(null);
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    dialog.showModal();
    // showModal() focuses the first focusable element, the header's close button; React's autoFocus
    // ran before that. The dialog's own field (or its chosen button) should have the focus instead.
    dialog
      .querySelector<HTMLElement>(
        '.modal-body [data-autofocus], .modal-body input:not([type=hidden]):not([type=radio]), .modal-body textarea',
      )
      ?.focus();
    const close = () => onClose.current();
    dialog.addEventListener('close', close);
    return () => {
      dialog.removeEventListener('close', close);
      if (dialog.open) dialog.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={`modal${props.wide ? ' wide' : ''}`}
      aria-label={props.title}
      data-testid={props.testId}
      onMouseDown={(e) => {
        // A press on the backdrop (the dialog element itself, outside its box) closes it.
        if (e.target === e.currentTarget) ref.current?.close();
      }}
    >
      <div className="modal-box">
        <header className="modal-head">
          <h2>{props.title}</h2>
          <button type="button" className="icon-btn" aria-label="Close" onClick={() => ref.current?.close()}>
            <Icon name="close" />
          </button>
        </header>
        <div className="modal-body">{props.children}</div>
      </div>
    </dialog>
  );
}
