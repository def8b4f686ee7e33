import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../test/support/app.js';
import { cli, startCli, waitFor } from '../../test/support/cli.js';
import { defineCommand } from '../domains/bot/command.js';

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('opsroom CLI against a running server', () => {
  let server: TestApp;
  let url: string;
  let member: TestUser;
  const as = (who: TestUser | string, ...args: string[]) =>
    cli(['--url', url, '--token', typeof who === 'string' ? who : who.token, ...args]);
  const admin = (...args: string[]) => as(server.admin, ...args);

  before(async () => {
    server = await startTestApp('sqlite');
    url = await server.listen();
    member = await server.user('mallory', ['member']);
  });
  after(() => server.dispose());

  test('user add, list and set-role', async () => {
    const added = await admin('user', 'add', 'alice', '--role', 'operator');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added @alice \(roles: operator\)/);

    const withPassword = await cli(
      ['--url', url, '--token', server.admin.token, 'user', 'add', 'bob', '--password-stdin'],
      {
        stdin: 'long-enough-pw\nignored second line\n',
      },
    );
    assert.equal(withPassword.code, 0, withPassword.stderr);
    const login = await server.request({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'bob', password: 'long-enough-pw' },
    });
    assert.equal(login.statusCode, 200, 'the password came from the first line of stdin');

    const roles = await admin('user', 'set-role', 'alice', 'responder', 'viewer');
    assert.equal(roles.code, 0, roles.stderr);
    const list = await admin('user', 'list');
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    assert.match(header!, /^USERNAME\s+ROLES\s+PASSWORD/);
    const alice = rows.find((r) => r.startsWith('alice '));
    assert.match(alice ?? '', /^alice\s+responder,viewer\s+no\s+active/);
    assert.match(rows.find((r) => r.startsWith('bob ')) ?? '', /^bob\s+member\s+yes/);
    // Columns line up: every row's second column starts where the header's does.
    const column = header!.indexOf('ROLES');
    for (const row of rows) assert.notEqual(row[column - 1], undefined);

    const json = await admin('--json', 'user', 'list');
    assert.ok((JSON.parse(json.stdout) as { username: string }[]).some((u) => u.username === 'alice'));
  });

  test('token create prints the token alone on its last line; it works until revoked', async () => {
    await admin('user', 'add', 'carol');
    const created = await admin('token', 'create', '--user', 'carol', '--name', 'ci');
    assert.equal(created.code, 0, created.stderr);
    const lines = created.stdout.trimEnd().split('\n');
    const token = lines[lines.length - 1]!;
    assert.match(token, /^opr_[A-Za-z0-9_-]+$/);
    assert.equal(lines.length, 2, 'a note, then the token');
    const id = /token (t_\S+)/.exec(lines[0]!)?.[1];
    assert.ok(id, lines[0]);

    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await me.json()) as { username: string }).username, 'carol');
    const rooms = await as(token, 'room', 'list');
    assert.equal(rooms.code, 0, rooms.stderr);

    const listed = await admin('token', 'list', '--all');
    assert.match(listed.stdout, new RegExp(`${id}\\s+carol\\s+ci\\s+read,write\\s+active`));
    assert.ok(!listed.stdout.includes(token), 'token list never shows secrets');

    const revoked = await admin('token', 'revoke', id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /Revoked token t_\S+ 'ci' of @carol/);
    const refused = await as(token, 'room', 'list');
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /unknown, revoked or expired/);
    assert.ok(!refused.stderr.includes(token), 'the token is never echoed in an error');
  });

  test('room create and list', async () => {
    assert.equal((await admin('room', 'create', 'ops', '--topic', 'operations')).code, 0);
    const secret = await admin('room', 'create', '#secret', '--private');
    assert.match(secret.stdout, /Created private room #secret \(r_/);
    const list = await admin('room', 'list');
    assert.match(list.stdout, /^NAME\s+KIND\s+MEMBERS\s+JOINED\s+TOPIC/);
    assert.match(list.stdout, /#ops\s+public\s+1\s+yes\s+operations/);
    assert.match(list.stdout, /#secret\s+private\s+1\s+yes/);
    const theirs = await as(member, 'room', 'list');
    assert.ok(!theirs.stdout.includes('#secret'), 'a member does not see a private room');
  });

  test('say, then search finds it and export writes JSONL', async () => {
    await admin('room', 'create', 'deploys');
    const said = await admin('say', '--room', 'deploys', 'rolled', 'out', 'build-7f3a9c', 'to', 'prod');
    assert.equal(said.code, 0, said.stderr);
    const [, messageId, seq] = /^(m_\S+) seq (\d+)$/.exec(said.stdout.trim()) ?? [];
    assert.ok(messageId && Number(seq) > 0, said.stdout);
    const reply = await cli(
      ['--url', url, '--token', server.admin.token, 'say', '-r', 'deploys', '--thread', messageId, '-'],
      {
        stdin: 'smoke tests green\n',
      },
    );
    assert.equal(reply.code, 0, reply.stderr);

    const found = await admin('search', '7f3a9c');
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout.trim(), /^\d{4}-\d\d-\d\d \d\d:\d\d #deploys @root: .*7f3a9c/);
    assert.equal(found.stdout.trim().split('\n').length, 1, 'one hit a line');
    const none = await admin('search', 'nothing-like-this-anywhere');
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');

    const exported = await admin('export', '--room', 'deploys');
    assert.equal(exported.code, 0, exported.stderr);
    const messages = exported.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; text: string; threadId: string | null });
    assert.deepEqual(
      messages.map((m) => [m.text, m.threadId]),
      [
        ['rolled out build-7f3a9c to prod', null],
        ['smoke tests green', messageId],
      ],
    );
  });

  test('tail follows the room live and stops cleanly on abort', async () => {
    await admin('room', 'create', 'live');
    await admin('say', '--room', 'live', 'before tail started');
    const stop = new AbortController();
    const tail = startCli(
      ['--url', url, '--token', server.admin.token, 'tail', '--room', 'live', '-n', '5'],
      {
        signal: stop.signal,
      },
    );
    await waitFor('tail to follow', () => /following #live/.test(tail.stderr.text));
    await admin('say', '--room', 'live', 'posted after tail started');
    await waitFor('the new message', () => tail.stdout.text.includes('posted after tail started'));
    stop.abort();
    assert.equal(await tail.done, 0);
    const lines = tail.stdout.lines;
    assert.match(
      lines.find((l) => l.includes('before tail'))!,
      /^\d\d:\d\d:\d\d #live @root: before tail started$/,
    );
    assert.match(lines[lines.length - 1]!, /^\d\d:\d\d:\d\d #live @root: posted after tail started$/);
    assert.equal(lines.filter((l) => l.includes('posted after')).length, 1, 'printed once');
  });

  test('usage errors exit 2 with a suggestion', async () => {
    const typo = await admin('usr', 'list');
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown command 'usr'[\s\S]*Did you mean user\?/);
    const missing = await admin('user', 'add');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required argument 'username'/);
    const badRole = await admin('user', 'set-role', 'alice', 'admn');
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /unknown role 'admn' \(did you mean admin\?\)/);
    const noRoom = await admin('say', 'hello');
    assert.equal(noRoom.code, 2);
    assert.match(noRoom.stderr, /required option '-r, --room <room>'/);
    const invalid = await admin('user', 'add', 'Not A Name!');
    assert.equal(invalid.code, 2, 'the server refused it as invalid input');
    assert.match(invalid.stderr, /username may only use/);
    const help = await admin('token', 'create', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--user <username>/);
  });

  test('permission denied exits 3; a missing token too', async () => {
    const denied = await as(member, 'user', 'add', 'eve');
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /Only admins can add users/);
    const anonymous = await cli(['--url', url, 'user', 'list']);
    assert.equal(anonymous.code, 3);
    assert.match(anonymous.stderr, /--token or set OPSROOM_TOKEN.*--offline/s);
    const fromEnv = await cli(['user', 'list'], { env: { url, token: server.admin.token } });
    assert.equal(fromEnv.code, 0, 'OPSROOM_URL and OPSROOM_TOKEN work as well as the options');
  });

  test("an admin's token without the admin scope acts as an operator, and token create says so", async () => {
    server.app.bot.registry.register(
      defineCommand({
        name: 'maintenance',
        summary: 'Admins only',
        usage: ['maintenance'],
        args: {},
        permission: 'maintenance:run',
        instant: true,
        run: () => 'maintenance done',
      }),
    );
    const plain = await admin('token', 'create', '--name', 'plain');
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stderr,
      /@root is an admin, but this token has no admin scope: it acts as an operator/,
    );
    const rw = plain.stdout.trimEnd().split('\n').at(-1)!;
    const denied = await as(rw, 'run', 'maintenance');
    assert.equal(denied.code, 3, denied.stdout + denied.stderr);
    assert.match(denied.stdout + denied.stderr, /You need the `maintenance:run` permission/);
    assert.equal((await as(rw, 'user', 'add', 'zed')).code, 3);

    const full = await admin('token', 'create', '--name', 'full', '--scopes', 'read,write,admin');
    assert.equal(full.code, 0, full.stderr);
    assert.equal(full.stderr, '', 'no notice for an admin-scoped token');
    const token = full.stdout.trimEnd().split('\n').at(-1)!;
    const ran = await as(token, 'run', 'maintenance');
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /maintenance done/);
    assert.match((await admin('token', 'create', '--help')).stdout, /acts as an operator/);
  });

  test('a server that is down: exit 1 and a clear message', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const result = await cli(['--url', down, '--token', server.admin.token, 'room', 'list']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /cannot reach Opsroom at http:\/\/127\.0\.0\.1:\d+: is it running\? \(use --offline to work on the database directly\)/,
    );
    assert.ok(!result.stderr.includes(server.admin.token));
    const tail = await cli(['--url', down, '--token', server.admin.token, 'tail', '-r', 'ops']);
    assert.equal(tail.code, 1);
  });
});
