// Every REST call the app makes, typed against the server's contracts.
import { http } from './http.js';
import type {
  AuditRecord,
  BotCommand,
  HistoryPage,
  JobView,
  JobWithOutput,
  Me,
  Member,
  Message,
  Room,
  RoomUnread,
  SearchHit,
  TokenView,
  UserView,
} from './types.js';

const enc = encodeURIComponent;

export const api = {
  me: () => http.get<Me>('/api/me'),
  login: (username: string, password: string) =>
    http.post<{ user: UserView; csrfToken: string }>('/api/auth/login', { username, password }),
  logout: () => http.post<void>('/api/auth/logout'),
  setupPending: () => http.get<{ pending: boolean }>('/api/setup'),
  setup: (token: string, password: string) =>
    http.post<{ user: UserView; csrfToken: string }>('/api/setup', { token, password }),

  rooms: () => http.get<{ rooms: Room[] }>('/api/rooms'),
  room: (room: string) => http.get<Room>(`/api/rooms/${enc(room)}`),
  createRoom: (body: { name: string; kind: 'public' | 'private' | 'incident'; topic: string }) =>
    http.post<Room>('/api/rooms', body),
  setTopic: (room: string, topic: string) => http.patch<Room>(`/api/rooms/${enc(room)}`, { topic }),
  join: (room: string) => http.post<Room>(`/api/rooms/${enc(room)}/join`),
  leave: (room: string) => http.post<void>(`/api/rooms/${enc(room)}/leave`),
  members: (room: string) => http.get<{ members: Member[] }>(`/api/rooms/${enc(room)}/members`),
  addMember: (room: string, username: string) =>
    http.post<void>(`/api/rooms/${enc(room)}/members`, { username }),
  openDm: (username: string) => http.post<Room>('/api/dms', { username }),
  /** Marks the room read up to the room event `seq`. */
  markRead: (room: string, seq: number) => http.put<RoomUnread>(`/api/rooms/${enc(room)}/read`, { seq }),
  unreads: () => http.get<{ rooms: RoomUnread[] }>('/api/me/unreads'),

  /** A page of history, oldest first: the newest, or `before`/`after`/`around` a message. */
  history: (
    room: string,
    q: { before?: string; after?: string; around?: string; limit?: number; threadId?: string },
  ) => http.get<HistoryPage>(`/api/rooms/${enc(room)}/messages`, q),
  post: (room: string, body: { text: string; threadId?: string }) =>
    http.post<Message & { seq: number }>(`/api/rooms/${enc(room)}/messages`, body),
  message: (id: string) => http.get<Message>(`/api/messages/${enc(id)}`),
  pins: (room: string) => http.get<{ messages: Message[] }>(`/api/rooms/${enc(room)}/pins`),
  edit: (id: string, text: string) => http.patch<Message>(`/api/messages/${enc(id)}`, { text }),
  remove: (id: string) => http.del<void>(`/api/messages/${enc(id)}`),
  edits: (id: string) =>
    http.get<{ edits: { text: string; editedBy: string; editedAt: string }[] }>(
      `/api/messages/${enc(id)}/edits`,
    ),
  react: (id: string, emoji: string, add: boolean) =>
    add
      ? http.put<Message>(`/api/messages/${enc(id)}/reactions/${enc(emoji)}`)
      : http.del<Message>(`/api/messages/${enc(id)}/reactions/${enc(emoji)}`),
  pin: (id: string, add: boolean) =>
    add
      ? http.put<Message>(`/api/messages/${enc(id)}/pin`)
      : http.del<Message>(`/api/messages/${enc(id)}/pin`),
  press: (id: string, actionId: string, value?: string) =>
    http.post<{ seq: number }>(
      `/api/messages/${enc(id)}/actions`,
      value === undefined ? { actionId } : { actionId, value },
    ),
  /** Uploads one file; the server posts it as a message (text: the file name) and answers with it. */
  upload: (room: string, file: File, threadId?: string) =>
    http.post<Message & { seq: number }>(`/api/rooms/${enc(room)}/files`, file, {
      name: file.name,
      threadId,
    }),

  search: (q: string, before?: number) =>
    http.get<{ hits: SearchHit[]; nextBefore: number | null }>('/api/search', { q, limit: 30, before }),
  commands: () => http.get<{ commands: BotCommand[] }>('/api/bot/commands'),

  users: () => http.get<{ users: UserView[] }>('/api/users'),
  createUser: (body: { username: string; displayName?: string; roles: string[]; password?: string }) =>
    http.post<UserView>('/api/users', body),
  setRoles: (username: string, roles: string[]) =>
    http.put<UserView>(`/api/users/${enc(username)}/roles`, { roles }),
  tokens: (all: boolean) => http.get<{ tokens: TokenView[] }>('/api/tokens', { all }),
  createToken: (body: { name: string; scopes: string[]; username?: string; expiresInDays?: number }) =>
    http.post<TokenView & { token: string }>('/api/tokens', body),
  revokeToken: (id: string) => http.del<TokenView>(`/api/tokens/${enc(id)}`),
  audit: (q: { actor?: string; action?: string; before?: number; limit?: number }) =>
    http.get<{ records: AuditRecord[]; nextBefore: number | null }>('/api/audit', q),
  auditVerify: () =>
    http.get<{ ok: true; count: number } | { ok: false; seq: number; reason: string }>('/api/audit/verify'),
  jobs: (q: { status?: string; before?: number; limit?: number }) =>
    http.get<{ jobs: JobView[]; nextBefore?: number | null }>('/api/jobs', q),
  job: (id: number) => http.get<JobWithOutput>(`/api/jobs/${id}`),
  cancelJob: (id: number) => http.post<JobView>(`/api/jobs/${id}/cancel`),
};
