import { type ReactElement, useCallback, useState } from 'react';
import { ConfirmDialog, type ConfirmRequest } from './confirm-dialog.js';

type Options = Omit<ConfirmRequest, 'resolve'>;

/** A confirmation modal for pages outside the chat (admin): render `dialog`, await `ask(...)`. */
export function useConfirm(): { dialog: ReactElement | null; ask: (opts: Options) => Promise<boolean> } {
  const [request, setRequest] = useState<ConfirmRequest | null>(null);
  const ask = useCallback(
    (opts: Options) => new Promise<boolean>((resolve) => setRequest({ ...opts, resolve })),
    [],
  );
  return {
    dialog: request ? <ConfirmDialog request={request} onDone={() => setRequest(null)} /> : null,
    ask,
  };
}
