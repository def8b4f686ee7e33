/** Test helpers for the deploys domain: scripts on disk, an app with `apps:`, chat in a room, cards. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { eventually } from '../../../test/support/eventually.js';
import type { OpsroomConfigInput } from '../../config/schema.js';
import type { Role } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { DialectName } from '../../storage/database.js';
import type { Card } from '../chat/schema.js';
import type { DeployView } from './schema.js';

/**
 * `eventually` with a generous limit: these tests wait on real processes and PostgreSQL on a machine
 * other suites load too, and a slow pass must not fail them.
 */
export function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 120_000): Promise<Exclude<T, false>> {
  return eventually(check, timeoutMs);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'opsroom-deploys-'));
}

/** Writes an executable `#!/bin/sh` script and returns its path. */
export function writeScript(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

export interface DeployTestApp {
  t: TestApp;
  users: Record<string, TestUser>;
  /** Posts a line in #ops as the user and waits for the bot's answer; returns the bot's messages after it. */
  say(text: string, as: string): Promise<{ text: string; card?: Card }[]>;
  /** The newest deploy of the app (optionally in one environment). */
  latest(app: string, environment?: string): Promise<DeployView | undefined>;
  /** Waits for the newest deploy to reach a status. */
  ended(app: string, status: DeployView['status'], environment?: string): Promise<DeployView>;
  /** The bot's messages in #ops showing a job's card (every edit is in place: there is one). */
  jobCards(jobId: number): Promise<Card[]>;
  dispose(): Promise<void>;
}

export async function startDeployApp(
  dialect: DialectName,
  apps: NonNullable<OpsroomConfigInput['apps']>,
  options: { clock?: Clock; roles?: Record<string, Role[]>; config?: OpsroomConfigInput } = {},
): Promise<DeployTestApp> {
  const t = await startTestApp(dialect, {
    ...(options.clock ? { clock: options.clock } : {}),
    config: { ...options.config, apps, actions: { dir: join(tempDir(), 'none'), watch: false } },
  });
  const roles = options.roles ?? {
    alice: ['operator'],
    bob: ['operator'],
    carol: ['member'],
    rex: ['responder'],
  };
  const users: Record<string, TestUser> = {};
  for (const [name, r] of Object.entries(roles)) users[name] = await t.user(name, r);
  const first = Object.values(users)[0]!;
  await t.request({
    method: 'POST',
    url: '/api/rooms',
    as: first,
    payload: { name: 'ops', members: Object.keys(users) },
  });
  const messages = async (as: TestUser) =>
    (await t.request({ method: 'GET', url: '/api/rooms/ops/messages?limit=200', as })).json().messages as {
      id: string;
      username: string;
      text: string;
      card?: Card;
    }[];
  // The newest deploy id before the last deploy/rollback line: `ended` waits for a deploy after it, so an
  // earlier deploy that ended the same way is never mistaken for the one just asked for.
  let mark = 0;
  const newestId = async () => (await t.app.deploys.service.store.history({}, 1))[0]?.id ?? 0;
  return {
    t,
    users,
    async say(text, as) {
      const user = users[as]!;
      if (/^!(deploy|rollback)[\s:!]/.test(text)) mark = await newestId();
      const res = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        as: user,
        payload: { text },
      });
      assert.equal(res.statusCode, 201, res.body);
      await t.app.bot.dispatcher.drain();
      const history = await messages(user);
      const mine = history.findIndex((m) => m.id === res.json().id);
      return history
        .slice(mine + 1)
        .filter((m) => m.username === 'opsbot')
        .map((m) => ({ text: m.text, ...(m.card ? { card: m.card } : {}) }));
    },
    async latest(app, environment) {
      const rows = await t.app.deploys.service.history(app, environment, 1);
      return rows[0];
    },
    async ended(app, status, environment) {
      return await waitFor(async () => {
        const d = (await t.app.deploys.service.history(app, environment, 1))[0];
        assert.ok((d?.id ?? 0) > mark, 'the deploy just asked for has started');
        assert.equal(d?.status, status, JSON.stringify(d));
        return d!;
      });
    },
    async jobCards(jobId) {
      const history = await messages(first);
      return history.flatMap((m) => (m.card?.title.includes(`Job #${jobId}:`) ? [m.card] : []));
    },
    dispose: () => t.dispose(),
  };
}

export function field(card: Card, title: string): string | undefined {
  return card.fields?.find((f) => f.title === title)?.value;
}
