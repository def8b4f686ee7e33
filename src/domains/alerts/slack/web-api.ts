import type { Actor } from '../../../core/actor.js';
import { CodedError, ErrorCode } from '../../../core/errors.js';
import type { ChatDomain } from '../../chat/index.js';
import type { Card } from '../../chat/schema.js';
import { mrkdwnToMarkdown } from './mrkdwn.js';
import { parseJsonField, renderSlackCard, type SlackMessage, slackMessageSchema } from './render.js';
import { messageIdOfTs, tsOfMessageId } from './ts.js';

/** Slack Web API answers: always HTTP 200, `ok` says whether it worked. */
export type SlackApiResult =
  | {
      ok: true;
      channel: string;
      ts: string;
      message: { type: 'message'; text: string; ts: string; thread_ts?: string };
    }
  | { ok: false; error: string; detail?: string };

/** A Slack error code (`channel_not_found`, `invalid_auth`, …), answered as `{ok:false, error}`. */
export class SlackApiError extends Error {
  constructor(
    readonly slackCode: string,
    readonly detail?: string,
  ) {
    super(detail ?? slackCode);
  }
}

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new SlackApiError('invalid_arguments', `${name} must be a string`);
}

/** Form bodies carry `attachments`/`blocks` as JSON strings; JSON bodies as arrays. */
function jsonArray(body: Record<string, unknown>, name: 'attachments' | 'blocks'): unknown {
  const value = body[name];
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  try {
    return parseJsonField(name, value);
  } catch {
    throw new SlackApiError(`invalid_${name}`, `${name} is not valid JSON`);
  }
}

function message(body: Record<string, unknown>): SlackMessage {
  const candidate = {
    ...(field(body, 'text') === undefined ? {} : { text: field(body, 'text') }),
    ...(field(body, 'username') === undefined ? {} : { username: field(body, 'username') }),
    ...(jsonArray(body, 'attachments') === undefined ? {} : { attachments: jsonArray(body, 'attachments') }),
    ...(jsonArray(body, 'blocks') === undefined ? {} : { blocks: jsonArray(body, 'blocks') }),
  };
  const parsed = slackMessageSchema.safeParse(candidate);
  if (!parsed.success) {
    const path = String(parsed.error.issues[0]?.path[0] ?? '');
    throw new SlackApiError(
      path === 'blocks'
        ? 'invalid_blocks'
        : path === 'attachments'
          ? 'invalid_attachments'
          : 'invalid_arguments',
      parsed.error.issues[0]?.message,
    );
  }
  return parsed.data;
}

/** Plain text stays a plain message; attachments or blocks make a card (text is then in the card). */
function content(m: SlackMessage, maxLength: number): { text: string; card: Card | null } {
  if ((m.attachments ?? []).length === 0 && (m.blocks ?? []).length === 0) {
    const text = mrkdwnToMarkdown(m.text ?? '').trim();
    if (text === '') throw new SlackApiError('no_text');
    if (text.length > maxLength) throw new SlackApiError('msg_too_long');
    return { text, card: null };
  }
  return { text: '', card: renderSlackCard(m) };
}

/** Maps Opsroom's coded errors to the Slack error a Slack client understands. */
function slackErrorOf(error: unknown, notFound: string): SlackApiError {
  if (error instanceof SlackApiError) return error;
  if (error instanceof CodedError) {
    switch (error.code) {
      case ErrorCode.NotFound:
        return new SlackApiError(notFound, error.message);
      case ErrorCode.PermissionDenied:
        return new SlackApiError('not_in_channel', error.message);
      case ErrorCode.Validation:
      case ErrorCode.BadJson:
        return new SlackApiError('invalid_arguments', error.message);
    }
  }
  throw error;
}

/**
 * The subset of Slack's Web API that tools posting to Slack use: `chat.postMessage` and `chat.update`,
 * with `thread_ts`. `channel` is a room name (with or without `#`) or id; `ts` is the message id in
 * Slack's format (see ts.ts). The caller is the API token's user, with that user's room access.
 */
export class SlackWebApi {
  constructor(private readonly deps: { chat: ChatDomain; maxMessageLength: number }) {}

  async postMessage(actor: Actor, body: Record<string, unknown>): Promise<SlackApiResult> {
    const channel = field(body, 'channel');
    if (channel === undefined) throw new SlackApiError('channel_not_found', 'channel is required');
    const m = message(body);
    const { text, card } = content(m, this.deps.maxMessageLength);
    const room = await this.deps.chat.rooms.get(actor, channel).catch((e) => {
      throw slackErrorOf(e, 'channel_not_found');
    });
    const threadTs = field(body, 'thread_ts');
    let threadId: string | undefined;
    if (threadTs !== undefined) {
      const parentId = messageIdOfTs(threadTs);
      const parent =
        parentId === undefined
          ? undefined
          : await this.deps.chat.messages.get(actor, parentId).catch(() => undefined);
      if (!parent || parent.roomId !== room.id) throw new SlackApiError('thread_not_found');
      // A reply's ts names its thread, as in Slack.
      threadId = parent.threadId ?? parent.id;
    }
    const posted = await this.deps.chat.messages
      .post(actor, room.id, {
        text,
        ...(card ? { card } : {}),
        ...(threadId ? { threadId } : {}),
      })
      .catch((e) => {
        throw slackErrorOf(e, 'channel_not_found');
      });
    const ts = tsOfMessageId(posted.id);
    return {
      ok: true,
      channel: room.id,
      ts,
      message: {
        type: 'message',
        text: m.text ?? '',
        ts,
        ...(threadId ? { thread_ts: tsOfMessageId(threadId) } : {}),
      },
    };
  }

  async update(actor: Actor, body: Record<string, unknown>): Promise<SlackApiResult> {
    const channel = field(body, 'channel');
    const ts = field(body, 'ts');
    if (channel === undefined) throw new SlackApiError('channel_not_found', 'channel is required');
    if (ts === undefined) throw new SlackApiError('message_not_found', 'ts is required');
    const m = message(body);
    const { text, card } = content(m, this.deps.maxMessageLength);
    const room = await this.deps.chat.rooms.get(actor, channel).catch((e) => {
      throw slackErrorOf(e, 'channel_not_found');
    });
    const id = messageIdOfTs(ts);
    const existing =
      id === undefined ? undefined : await this.deps.chat.messages.get(actor, id).catch(() => undefined);
    if (!existing || existing.roomId !== room.id || existing.deletedAt !== null)
      throw new SlackApiError('message_not_found');
    if (existing.userId !== actor.userId) throw new SlackApiError('cant_update_message');
    await this.deps.chat.messages.edit(actor, existing.id, { text, card }).catch((e) => {
      throw slackErrorOf(e, 'message_not_found');
    });
    return {
      ok: true,
      channel: room.id,
      ts,
      message: {
        type: 'message',
        text: m.text ?? '',
        ts,
        ...(existing.threadId ? { thread_ts: tsOfMessageId(existing.threadId) } : {}),
      },
    };
  }
}
