import type { Actor, TokenScope } from '../../core/actor.js';
import type { EventBus } from '../../runtime/event-bus.js';
import { ALERT_ACTIONS } from '../alerts/card.js';
import { CANCEL_ACTION } from '../jobs/card.js';
import type { BotMessages } from './bot-messages.js';
import type { BotDispatcher } from './dispatcher.js';
import { SUGGESTION_ACTION } from './natural-language-card.js';
import { PROPOSAL_ACTIONS } from './proposals/card.js';

/** A button press is the command line it stands for, run as whoever pressed it. */
const LINE_OF: Record<string, (value: string) => string> = {
  [PROPOSAL_ACTIONS.confirm]: (nonce) => `confirm ${nonce}`,
  [PROPOSAL_ACTIONS.cancel]: (nonce) => `deny ${nonce}`,
  [PROPOSAL_ACTIONS.approve]: (nonce) => `approve ${nonce}`,
  [PROPOSAL_ACTIONS.deny]: (nonce) => `deny ${nonce}`,
  [CANCEL_ACTION]: (id) => `cancel ${id}`,
  [SUGGESTION_ACTION]: (line) => line,
  [ALERT_ACTIONS.ack]: (id) => `ack ${id}`,
  [ALERT_ACTIONS.silence]: (id) => `silence #${id} for 1h "from the card"`,
  [ALERT_ACTIONS.mute]: (id) => `mute ${id}`,
  [ALERT_ACTIONS.resolve]: (id) => `resolve ${id}`,
  [ALERT_ACTIONS.runbook]: (id) => `alert ${id} runbook`,
};

export interface CardActionDeps {
  bus: EventBus;
  dispatcher: BotDispatcher;
  messages: BotMessages;
  roomNameOf: (roomId: string) => Promise<string | undefined>;
  /** The thread a message is a reply in; undefined for a message in the room itself. */
  threadOf: (messageId: string) => Promise<string | undefined>;
  /** The presser as an actor, bounded by the scopes of the API token they pressed with, if any. */
  actorOf: (userId: string, scopes?: readonly TokenScope[]) => Promise<Actor | undefined>;
}

/**
 * Handles presses of the bot's card buttons (Confirm, Approve, Deny, Cancel, suggestions). The press
 * goes through the same chain as typing the command, so the same rules apply; once per press, even
 * with several nodes (claimed like a message). A press that changes a card says nothing more; one
 * that fails, or a suggestion that ran, is answered in the card's thread.
 */
export function attachCardActions(deps: CardActionDeps): () => void {
  return deps.bus.subscribe('card.action', (event) => {
    const { roomId, seq, data } = event.payload;
    const toLine = LINE_OF[data.actionId];
    if (!toLine || data.value === undefined) return;
    const line = toLine(data.value);
    deps.dispatcher.track(
      (async () => {
        if (!(await deps.dispatcher.claim(`action:${roomId}:${seq}`))) return;
        const actor = await deps.actorOf(data.userId, event.payload.scopes);
        if (!actor) return;
        const roomName = await deps.roomNameOf(roomId);
        // A suggestion runs where the card is, as if typed there; other presses answer in the card's thread.
        const cardThread = await deps.threadOf(data.messageId);
        const threadId = data.actionId === SUGGESTION_ACTION ? cardThread : (cardThread ?? data.messageId);
        const where = {
          roomId,
          ...(threadId ? { threadId } : {}),
          ...(roomName ? { roomName } : {}),
        };
        const reply = await deps.dispatcher.execute({ ...actor, channel: 'web' }, line, where, {
          wait: false,
        });
        const quiet = reply.outcome === 'ok' && data.actionId !== SUGGESTION_ACTION;
        if (reply.posted || quiet) return;
        await deps.messages.say(
          { roomId, ...(threadId ? { threadId } : {}) },
          { text: `@${actor.username}: ${reply.text}`, ...(reply.card ? { card: reply.card } : {}) },
        );
      })(),
      { action: data.actionId },
    );
  });
}
