import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startServerProcess } from '../support/server-process.js';
import { WsTestClient } from '../support/ws-client.js';

function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

test('a new install: setup link from the console, a token, a live socket, then SIGTERM drains cleanly', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-first-run-'));
  const server = await startServerProcess({ dataDir, port: await freePort() });
  try {
    const setupToken = /setup\?token=(\S+)/.exec(server.output())?.[1];
    assert.ok(setupToken, `the console shows a setup link:\n${server.output()}`);

    const setup = await fetch(`${server.url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: setupToken, password: 'a-long-password' }),
    });
    assert.equal(setup.status, 200);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const cookie = cookieHeader(setup);

    const created = await fetch(`${server.url}/api/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: 'ws' }),
    });
    assert.equal(created.status, 201);
    const { token } = (await created.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const room = await fetch(`${server.url}/api/rooms`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ops' }),
    });
    assert.equal(room.status, 201);

    const client = await WsTestClient.open(`${server.url.replace('http', 'ws')}/api/ws`, auth);
    await client.request({ type: 'subscribe', id: 's', rooms: [{ room: 'ops', after: 0 }] });

    await server.stop('SIGTERM');
    assert.equal(server.child.exitCode, 0, server.output());
    assert.equal(await client.closed(), 1001, 'sockets are told the server is going away');
  } finally {
    await server.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
