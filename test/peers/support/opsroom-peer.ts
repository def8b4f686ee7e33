import { SYSTEM_ACTOR } from '../../../src/core/actor.js';
import type { MessageView } from '../../../src/domains/chat/schema.js';
import { startTestApp, type TestApp } from '../../support/app.js';

/**
 * An Opsroom listening on loopback (Alertmanager must reach it over HTTP) on SQLite, with no group_by
 * of its own (as installed: Alertmanager's groups are kept) and group_wait 0, with rooms and
 * integrations made on demand. It reconciles with the Alertmanagers as installed (every minute, each
 * trusted after 2 minutes up) unless `reconcile` says otherwise.
 */
export class OpsroomPeer {
  private constructor(
    readonly t: TestApp,
    readonly baseUrl: string,
  ) {}

  static async start(
    options: { reconcile?: { interval: string; min_uptime: string } } = {},
  ): Promise<OpsroomPeer> {
    const t = await startTestApp('sqlite', {
      config: {
        alerts: {
          // No group_by, as on a fresh install: each group a sender made stays one card.
          route: { group_wait: '0s', group_interval: '1s', repeat_interval: '4h' },
          reconcile: { enabled: true, ...options.reconcile },
        },
      },
    });
    const baseUrl = await t.listen();
    return new OpsroomPeer(t, baseUrl);
  }

  /** Makes the room and an integration of `kind` posting into it; returns the URL a sender uses. */
  async hook(kind: 'alertmanager' | 'slack', room: string): Promise<string> {
    const made = await this.t.request({
      method: 'POST',
      url: '/api/rooms',
      payload: { name: room },
      as: this.t.admin,
    });
    if (made.statusCode !== 201) throw new Error(`room ${room}: ${made.body}`);
    const created = await this.t.app.integrations.create(SYSTEM_ACTOR, { kind, room });
    return `${this.baseUrl}${new URL(created.url).pathname}`;
  }

  /** The room's top-level messages whose card mentions `text` (cards of one alert group). */
  async cards(room: string, text: string): Promise<MessageView[]> {
    const response = await this.t.request({
      method: 'GET',
      url: `/api/rooms/${room}/messages?limit=200`,
      as: this.t.admin,
    });
    const messages = response.json().messages as MessageView[];
    return messages.filter(
      (m) => m.card !== null && m.deletedAt === null && JSON.stringify(m.card).includes(text),
    );
  }

  dispose(): Promise<void> {
    return this.t.dispose();
  }
}

/** True when a card says its group is resolved (title, status field or the green colour). */
export function looksResolved(message: MessageView): boolean {
  const card = message.card;
  if (!card) return false;
  const status = card.fields?.find((f) => /status/i.test(f.title))?.value ?? '';
  return /resolved/i.test(card.title) || /resolved/i.test(status);
}
