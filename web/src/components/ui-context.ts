// Callbacks the message list's items need from the page (dialogs and panels), without prop drilling.
import { createContext, useContext } from 'react';
import type { CardButton, Message } from '../api/types.js';

export interface ChatUi {
  openThread(rootId: string): void;
  showEditHistory(message: Message): void;
  /** Runs `run` after the user confirms; `danger` styles the confirm button red. */
  confirm(opts: { title: string; body: string; confirmLabel: string; danger?: boolean }): Promise<boolean>;
  pressButton(message: Message, button: CardButton): void;
}

export const ChatUiContext = createContext<ChatUi | null>(null);

export function useChatUi(): ChatUi {
  const ui = useContext(ChatUiContext);
  if (!ui) throw new Error('useChatUi outside ChatUiContext');
  return ui;
}
