import type { ReactElement } from 'react';
import { Modal } from './modal.js';

export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  danger?: boolean;
  resolve: (ok: boolean) => void;
}

export function ConfirmDialog({
  request,
  onDone,
}: {
  request: ConfirmRequest;
  onDone: () => void;
}): ReactElement {
  const finish = (ok: boolean) => {
    request.resolve(ok);
    onDone();
  };
  return (
    <Modal title={request.title} onClose={() => finish(false)} testId="confirm-dialog">
      <p className="confirm-body">{request.body}</p>
      <div className="modal-actions">
        <button type="button" className="btn" onClick={() => finish(false)} data-testid="confirm-cancel">
          Cancel
        </button>
        <button
          type="button"
          className={`btn ${request.danger ? 'danger' : 'primary'}`}
          onClick={() => finish(true)}
          data-testid="confirm-ok"
          data-autofocus
          // biome-ignore lint/a11y/noAutofocus: the dialog exists to take this one decision
          autoFocus
        >
          {request.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
