import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { Capture, cli, waitFor } from '../../../test/support/cli.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { HttpClient } from '../http-client.js';
import { promptFor, runShell } from './shell-session.js';

describe('opsroom shell', () => {
  let server: TestApp;
  let url: string;
  let alice: TestUser;
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-shell-'));
  const historyFile = join(dir, 'history');
  const shell = (token: string, script: string, ...options: string[]) =>
    cli(['--url', url, '--token', token, ...options, 'shell'], { stdin: script, env: { historyFile } });

  before(async () => {
    server = await startTestApp('sqlite');
    url = await server.listen();
    alice = await server.user('alice');
    await server.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
  });
  after(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('runs each line as the bot would, until .exit; unknown commands get the usage reply', async () => {
    const result = await shell(
      alice.token,
      [
        'ping',
        'echo hello   there',
        '',
        'pnig',
        '!whoami',
        '.room ops',
        'echo in a room',
        '.room nope',
        '.bogus',
        '.exit',
        'echo never',
      ].join('\n'),
    );
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.match(out, /^pong \(up \d+s\)$/m);
    assert.ok(out.split('\n').includes('hello   there'), 'the spacing of a rest argument is kept');
    assert.match(out, /I don't know the command `pnig`\. Did you mean `ping`\?/);
    assert.match(out, /You are @alice \(roles: member; via api/, 'a chat-style ! prefix is dropped');
    assert.match(out, /^Commands now run in #ops\.$/m);
    assert.match(out, /^in a room$/m);
    assert.match(out, /^error: room 'nope' was not found \[E_NOT_FOUND\]$/m);
    assert.match(out, /Unknown shell command \.bogus/);
    assert.doesNotMatch(out, /never/, 'nothing runs after .exit');
    assert.ok(!out.includes('\x1b['), 'no colour when stdout is not a terminal');
    assert.doesNotMatch(out, /opsroom\(/, 'no prompts when stdin is not a terminal');
    const history = readFileSync(historyFile, 'utf8').split('\n');
    assert.deepEqual(history.slice(0, 3), ['ping', 'echo hello   there', 'pnig']);
    assert.ok(history.includes('.exit'));
    assert.ok(!history.includes('echo never'));

    await server.app.audit.drain();
    const audited = await server.app.audit.list(SYSTEM_ACTOR, { actor: 'alice' });
    assert.ok(audited.records.some((r) => r.commandLine === 'echo in a room' && r.roomId !== null));
  });

  test('ends at end of input (Ctrl-D) with exit code 0', async () => {
    const result = await shell(alice.token, 'echo last');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'last');
  });

  test('--as runs every line as that user, for admins only', async () => {
    const asAlice = await shell(server.admin.token, 'whoami\n', '--as', 'alice');
    assert.equal(asAlice.code, 0, asAlice.stderr);
    assert.match(asAlice.stdout, /You are @alice/);
    const refused = await shell(alice.token, 'whoami\n', '--as', 'root');
    assert.equal(refused.code, 0, 'the shell itself carries on');
    assert.match(
      refused.stdout,
      /error: Only admins .* can run commands as another user \[E_PERMISSION_DENIED\]/,
    );
  });

  test('works offline on the database, as the local admin or --as', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-shell-offline-'));
    try {
      const env = { dataDir, historyFile };
      const admin = await cli(['--offline', 'shell'], { stdin: 'whoami\nsacle\n', env });
      assert.equal(admin.code, 0, admin.stderr);
      assert.match(admin.stdout, /You are @admin \(roles: admin; via cli/);
      assert.match(admin.stdout, /I don't know the command `sacle`/);
      await cli(['--offline', 'user', 'add', 'bob'], { env });
      const bob = await cli(['--offline', '--as', 'bob', 'shell'], { stdin: 'whoami\n', env });
      assert.equal(bob.code, 0, bob.stderr);
      assert.match(bob.stdout, /You are @bob \(roles: member; via cli/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('at a terminal: prompt, Tab completion, history recall and colours', async () => {
    const file = join(dir, 'terminal-history');
    writeFileSync(file, 'echo from an earlier session\n');
    const input = new PassThrough();
    const output = new Capture();
    const done = runShell({
      client: new HttpClient(url, alice.token),
      input,
      output,
      colour: true,
      interactive: true,
      historyFile: file,
      notice: () => {},
    });
    await waitFor('the prompt', () => output.text.includes('opsroom(alice)> '));
    input.write('pi\t');
    await waitFor('completion', () => output.text.includes('ping'));
    input.write('\r');
    await waitFor('pong', () => output.text.includes('pong'));
    const ESC = '\x1b';
    assert.match(output.text, new RegExp(`${ESC}\\[32mpong \\(up \\d+s\\)${ESC}\\[39m`), 'ok is green');
    input.write('pnig\r');
    await waitFor('the usage reply', () => output.text.includes('Did you mean'));
    assert.ok(output.text.includes(`${ESC}[33mI don't know the command \`pnig\``), 'usage is yellow');
    // Up three times: pnig, ping, then the line from the file.
    input.write('\x1b[A\x1b[A\x1b[A\r');
    await waitFor('the recalled line', () =>
      /^\S*from an earlier session/m.test(output.text.split('\r').join('\n')),
    );
    input.write('.room ops\r');
    await waitFor('the room prompt', () => output.text.includes('opsroom(alice #ops)> '));
    input.end();
    assert.equal(await done, 0);
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), [
      'echo from an earlier session',
      'ping',
      'pnig',
      'echo from an earlier session',
      '.room ops',
    ]);
  });

  test('prompt', () => {
    assert.equal(promptFor('alice', undefined), 'opsroom(alice)> ');
    assert.equal(promptFor('alice', 'ops'), 'opsroom(alice #ops)> ');
  });
});
