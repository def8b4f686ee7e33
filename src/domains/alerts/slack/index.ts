/**
 * Slack-compatible ways in (DESIGN C1): `POST /hooks/slack/:token` (incoming webhook: JSON or `payload=`
 * form, text/attachments/blocks → a card in the hook's room, reply `ok`) and the Web API subset
 * `POST /api/slack/chat.postMessage` and `chat.update` (Bearer API token, `thread_ts`, `{ok, channel, ts}`).
 */
import type { Actor } from '../../../core/actor.js';
import { CodedError, ErrorCode } from '../../../core/errors.js';
import { botMessages } from '../../bot/bot-messages.js';
import type { ChatDomain } from '../../chat/index.js';
import type { RouteApp } from '../../route-context.js';
import { type SlackHookResolver, SlackIncomingWebhook } from './incoming-webhook.js';
import { registerSlackRoutes } from './routes.js';
import { SlackWebApi } from './web-api.js';

export { renderSlackCard } from './render.js';
export { messageIdOfTs, tsOfMessageId } from './ts.js';

export interface SlackCompatDeps {
  chat: ChatDomain;
  /** The bot's actor: hook messages are posted as the bot. */
  bot: Actor;
  /** `IdentityService.authenticateToken` for the Web API's Bearer tokens. */
  authenticateToken: (token: string) => Promise<Actor | undefined>;
  /** `IntegrationService.authenticate`: throws UnauthenticatedError for an unknown or revoked token. */
  authenticateIntegration: (kind: 'slack', token: string) => Promise<{ id: string; roomId: string | null }>;
  maxMessageLength: number;
  /** `alerts.max_body_bytes`: the hook's body limit, as for the other hooks. */
  hookBodyLimit?: number;
}

/** Registers the Slack-compatible routes; returns the hook service (tests and benchmarks use it). */
export function startSlackCompat(http: RouteApp, deps: SlackCompatDeps): { hook: SlackIncomingWebhook } {
  const resolveHook: SlackHookResolver = async (token) => {
    try {
      const integration = await deps.authenticateIntegration('slack', token);
      return integration.roomId === null
        ? undefined
        : { integrationId: integration.id, roomId: integration.roomId };
    } catch (error) {
      if (error instanceof CodedError && error.code === ErrorCode.Unauthenticated) return undefined;
      throw error;
    }
  };
  const hook = new SlackIncomingWebhook({
    poster: botMessages(deps.chat, deps.bot),
    chat: deps.chat,
    bot: deps.bot,
  });
  registerSlackRoutes(http, {
    hook,
    resolveHook,
    webApi: new SlackWebApi({ chat: deps.chat, maxMessageLength: deps.maxMessageLength }),
    authenticateToken: (token) => deps.authenticateToken(token),
    ...(deps.hookBodyLimit === undefined ? {} : { hookBodyLimit: deps.hookBodyLimit }),
  });
  return { hook };
}
