import type { Role } from '../core/actor.js';
import { CodedError, ErrorCode, exitCodeOf, httpStatusOf, UnauthenticatedError } from '../core/errors.js';
import type {
  AddUserInput,
  AlertListQuery,
  AuditPage,
  AuditQuery,
  AuditRecord,
  BotCommandInfo,
  BotRunResult,
  Card,
  CreatedIntegration,
  CreatedToken,
  CreateIntegrationInput,
  CreateRoomOptions,
  CreateTokenOptions,
  GroupView,
  IntegrationView,
  MessageView,
  OpsroomClient,
  RoomEventFrame,
  RoomEvents,
  RoomView,
  SearchHitView,
  SecretView,
  TailOptions,
  TokenView,
  UserView,
  VerifyResult,
} from './client.js';
import { followOverWebSocket } from './ws-follow.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const REQUEST_TIMEOUT_MS = 30_000;
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** The URL without credentials or query, safe to print. */
function printable(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}`;
}

/** The OpsroomClient over the REST API of a running server. */
export class HttpClient implements OpsroomClient {
  readonly describe: string;
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly token: string | undefined,
  ) {
    // A trailing slash makes relative paths resolve under a prefix (a reverse proxy at /opsroom/).
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    this.describe = printable(this.base);
  }

  addUser(input: AddUserInput): Promise<UserView> {
    return this.call('POST', 'api/users', input);
  }

  async listUsers(): Promise<UserView[]> {
    return (await this.call<{ users: UserView[] }>('GET', 'api/users')).users;
  }

  setRoles(username: string, roles: Role[]): Promise<UserView> {
    return this.call('PUT', `api/users/${encodeURIComponent(username)}/roles`, { roles });
  }

  createToken(options: CreateTokenOptions): Promise<CreatedToken> {
    return this.call('POST', 'api/tokens', options);
  }

  async listTokens(all: boolean): Promise<TokenView[]> {
    return (await this.call<{ tokens: TokenView[] }>('GET', `api/tokens?all=${all}`)).tokens;
  }

  revokeToken(id: string): Promise<TokenView> {
    return this.call('DELETE', `api/tokens/${encodeURIComponent(id)}`);
  }

  createRoom(options: CreateRoomOptions): Promise<RoomView> {
    return this.call('POST', 'api/rooms', options);
  }

  async listRooms(): Promise<RoomView[]> {
    return (await this.call<{ rooms: RoomView[] }>('GET', 'api/rooms')).rooms;
  }

  getRoom(ref: string): Promise<RoomView> {
    return this.call('GET', `api/rooms/${encodeURIComponent(ref)}`);
  }

  say(room: string, input: { text: string; threadId?: string }): Promise<MessageView & { seq: number }> {
    return this.call('POST', `api/rooms/${encodeURIComponent(room)}/messages`, input);
  }

  async history(room: string, limit: number): Promise<MessageView[]> {
    const path = `api/rooms/${encodeURIComponent(room)}/messages?limit=${limit}`;
    return (await this.call<{ messages: MessageView[] }>('GET', path)).messages;
  }

  events(room: string, after: number, limit: number): Promise<RoomEvents> {
    return this.call('GET', `api/rooms/${encodeURIComponent(room)}/events?after=${after}&limit=${limit}`);
  }

  async search(query: string, limit: number): Promise<SearchHitView[]> {
    const params = new URLSearchParams({ q: query, limit: String(limit) });
    return (await this.call<{ hits: SearchHitView[] }>('GET', `api/search?${params}`)).hits;
  }

  /** Streams `GET /api/rooms/:room/export` (JSON Lines) message by message. */
  exportRoom(room: string): AsyncGenerator<MessageView> {
    return this.jsonLines<MessageView>(`api/rooms/${encodeURIComponent(room)}/export`);
  }

  tail(room: RoomView, options: TailOptions): AsyncIterable<RoomEventFrame> {
    const url = new URL('api/ws', this.base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return followOverWebSocket(
      {
        url: url.toString(),
        token: this.requireToken(),
        roomId: room.id,
        connectionError: (cause) => this.unreachable(cause),
        httpError: (status, body) => errorFromResponse(status, parseJson(body)),
        fetchPage: (after, limit) => this.events(room.id, after, limit),
      },
      options,
    );
  }

  auditList(query: AuditQuery): Promise<AuditPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return this.call('GET', `api/audit?${params}`);
  }

  auditVerify(): Promise<VerifyResult> {
    return this.call('GET', 'api/audit/verify');
  }

  auditExport(): AsyncGenerator<AuditRecord> {
    return this.jsonLines<AuditRecord>('api/audit/export');
  }

  async listSecrets(): Promise<SecretView[]> {
    return (await this.call<{ secrets: SecretView[] }>('GET', 'api/secrets')).secrets;
  }

  async setSecret(name: string, value: string): Promise<void> {
    await this.call('PUT', `api/secrets/${encodeURIComponent(name)}`, { value });
  }

  async createIntegration(input: CreateIntegrationInput): Promise<CreatedIntegration> {
    return this.call<CreatedIntegration>('POST', 'api/integrations', input);
  }

  async listIntegrations(): Promise<IntegrationView[]> {
    return (await this.call<{ integrations: IntegrationView[] }>('GET', 'api/integrations')).integrations;
  }

  async revokeIntegration(id: string): Promise<IntegrationView> {
    return this.call<IntegrationView>('DELETE', `api/integrations/${encodeURIComponent(id)}`);
  }

  async listAlerts(query: AlertListQuery): Promise<GroupView[]> {
    const params = new URLSearchParams(
      Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])),
    );
    return (await this.call<{ groups: GroupView[] }>('GET', `api/alerts?${params}`)).groups;
  }

  async testAlert(payload: string): Promise<{ text: string; card?: Card | undefined }> {
    return this.call('POST', 'api/alerts/test', { payload });
  }

  async removeSecret(name: string): Promise<void> {
    await this.call('DELETE', `api/secrets/${encodeURIComponent(name)}`);
  }

  runCommand(line: string, room?: string, as?: string): Promise<BotRunResult> {
    return this.call('POST', 'api/bot/run', {
      line,
      ...(room === undefined ? {} : { room }),
      ...(as === undefined ? {} : { as }),
    });
  }

  async botCommands(): Promise<BotCommandInfo[]> {
    return (await this.call<{ commands: BotCommandInfo[] }>('GET', 'api/bot/commands')).commands;
  }

  me(): Promise<{ username: string; roles: string[] }> {
    return this.call('GET', 'api/me');
  }

  async close(): Promise<void> {}

  /** Streams a JSON Lines response one parsed line at a time, without holding the whole body. */
  private async *jsonLines<T>(path: string): AsyncGenerator<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base), {
        headers: { authorization: `Bearer ${this.requireToken()}` },
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    if (!response.ok || !response.body)
      throw errorFromResponse(response.status, parseJson(await response.text()));
    let pending = '';
    for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line !== '') yield JSON.parse(line) as T;
    }
    if (pending.trim() !== '') yield JSON.parse(pending) as T;
  }

  private requireToken(): string {
    if (this.token === undefined) {
      throw new UnauthenticatedError(
        'No API token: pass --token or set OPSROOM_TOKEN (an admin can make one with ' +
          '`opsroom token create --user <you>`), or use --offline to work on the database directly',
      );
    }
    return this.token;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.requireToken()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    const text = await response.text();
    const payload = parseJson(text);
    if (!response.ok) throw errorFromResponse(response.status, payload);
    return payload as T;
  }

  private unreachable(cause: unknown): CodedError {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
    const error = new CodedError(
      ErrorCode.Unavailable,
      timedOut
        ? `Opsroom at ${this.describe} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s`
        : `cannot reach Opsroom at ${this.describe}: is it running? ` +
            '(use --offline to work on the database directly)',
    );
    error.cause = cause;
    return error;
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * `{error:{code,message,issues?,errorId?}}` → a CodedError. The status decides the exit code class
 * (401/403 → 3, 400 → 2) even if a body is missing or from a proxy rather than Opsroom.
 */
export function errorFromResponse(status: number, payload: unknown): CodedError {
  const body = (payload as { error?: Record<string, unknown> } | undefined)?.error;
  let code: ErrorCode = codeForStatus(status);
  if (body && typeof body.code === 'string' && KNOWN_CODES.has(body.code)) code = body.code as ErrorCode;
  // A known code whose class disagrees with the status (never expected) yields to the status.
  if (exitCodeOf(code) !== exitCodeOf(codeForStatus(status))) code = codeForStatus(status);
  const message = typeof body?.message === 'string' ? body.message : `HTTP ${status} from the server`;
  const details: Record<string, unknown> = {};
  if (Array.isArray(body?.issues)) details.issues = body.issues;
  if (typeof body?.errorId === 'string') details.errorId = body.errorId;
  return new CodedError(code, message, Object.keys(details).length > 0 ? details : undefined);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return ErrorCode.Unauthenticated;
  if (status === 403) return ErrorCode.PermissionDenied;
  if (status === 400 || status === 422) return ErrorCode.Validation;
  if (status === 502 || status === 503 || status === 504) return ErrorCode.Unavailable;
  if (status >= 500) return ErrorCode.Internal;
  const match = (Object.entries(httpStatusOf) as [ErrorCode, number][]).find(([, s]) => s === status);
  return match?.[0] ?? ErrorCode.Internal;
}
