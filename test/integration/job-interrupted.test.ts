import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { processGone } from '../../src/plugins/actions/testing.js';
import { openDatabase } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { eventually } from '../support/eventually.js';
import { offlineAdminToken } from '../support/offline-admin.js';
import { freePort, type ServerProcess, startServerProcess } from '../support/server-process.js';

/** An admin token in a fresh SQLite database, before any server runs. */
async function adminToken(dataDir: string): Promise<string> {
  const database = openDatabase({ dataDir });
  await migrateToLatest(database);
  const token = await offlineAdminToken(database, 'job test');
  await database.close();
  return token;
}

describe('a job running when the server is killed with -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-job-kill-'));
  const pidFile = join(dir, 'script.pid');
  const childPidFile = join(dir, 'child.pid');
  const marker = join(dir, 'terminated');
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop('SIGKILL');
    // The script's process group outlived the server (it was detached); end it.
    try {
      process.kill(-Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('is marked interrupted after the restart, its processes are stopped, and its card says so', async () => {
    const dataDir = join(dir, 'data');
    const actions = join(dir, 'actions', 'slow');
    mkdirSync(actions, { recursive: true });
    writeFileSync(
      join(actions, 'action.yaml'),
      'name: slow\nsummary: Runs for a long time\nrun: ["./run.sh"]\ntimeout: 10m\npermission: ops:read\n',
    );
    // A shell leading its group with a child, as a deploy script would be; SIGTERM leaves a mark.
    writeFileSync(
      join(actions, 'run.sh'),
      `#!/bin/sh\ntrap 'echo terminated > ${marker}; exit 143' TERM\necho $$ > ${pidFile}\n` +
        `sleep 300 &\necho $! > ${childPidFile}\necho started\nwait\n`,
    );
    chmodSync(join(actions, 'run.sh'), 0o755);
    const configFile = join(dir, 'opsroom.yaml');
    writeFileSync(configFile, `actions:\n  dir: ${join(dir, 'actions')}\n  watch: false\n`);
    const token = await adminToken(dataDir);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const port = await freePort();
    server = await startServerProcess({ dataDir, port, configFile });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server!.url}${path}`, { ...init, headers: auth }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>,
      }));

    assert.equal((await api('/api/rooms', { method: 'POST', body: '{"name":"ops"}' })).status, 201);
    assert.equal(
      (await api('/api/rooms/ops/messages', { method: 'POST', body: '{"text":"!slow"}' })).status,
      201,
    );
    const running = await eventually(async () => {
      const job = (await api('/api/jobs/1')).body;
      return job.status === 'running' && String(job.output).includes('started') && job;
    });
    assert.ok(running.messageId, 'the job has its card');
    // The card shows the output once it is stored (at most a second later): then kill.
    await eventually(async () => {
      const card = (await api(`/api/messages/${String(running.messageId)}`)).body as {
        card: { code?: { content: string } };
      };
      return card.card.code?.content.includes('started') ?? false;
    });

    await server.stop('SIGKILL');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const child = Number(readFileSync(childPidFile, 'utf8'));
    assert.ok(!processGone(pid) && !processGone(child), 'the script outlived the server');
    server = await startServerProcess({ dataDir, port, configFile });

    // The restart stopped the script's whole group before it answered (SIGTERM first: the trap ran).
    assert.ok(processGone(pid), 'the script is gone');
    assert.ok(processGone(child), 'and the process it started');
    assert.equal(readFileSync(marker, 'utf8').trim(), 'terminated');

    const job = (await api('/api/jobs/1')).body;
    assert.equal(job.status, 'interrupted', server.output());
    assert.match(String(job.output), /started/, 'the log printed before the crash is kept');
    assert.match(
      String(job.summary),
      new RegExp(`its processes \\(pgid ${pid}\\) were still running and were stopped \\(SIGTERM\\)`),
    );
    const message = (await api(`/api/messages/${String(running.messageId)}`)).body as {
      card: { title: string; text?: string; fields: { title: string; value: string }[] };
    };
    assert.match(message.card.title, /^⚠️ Job #1/);
    assert.match(message.card.fields.find((f) => f.title === 'Status')!.value, /interrupted/);
    assert.match(message.card.text ?? '', new RegExp(`its processes \\(pgid ${pid}\\) were still running`));
  });
});
