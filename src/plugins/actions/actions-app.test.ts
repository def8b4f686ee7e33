import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { cli } from '../../../test/support/cli.js';
import { eventually } from '../../../test/support/eventually.js';
import { type Actor, SYSTEM_ACTOR } from '../../core/actor.js';
import { processGone, tempDir, waitUntil, writeAction } from './testing.js';

describe('actions in the running app', () => {
  let t: TestApp;
  let dir: string;
  let alice: Actor;
  let aliceToken: string;

  before(async () => {
    dir = join(tempDir(), 'actions');
    // The example exactly as a user would copy it.
    cpSync(join(import.meta.dirname, '../../../examples/actions/disk'), join(dir, 'disk'), {
      recursive: true,
    });
    t = await startTestApp('sqlite', { config: { actions: { dir } } });
    aliceToken = (await t.user('alice', ['member'])).token;
    alice = t.app.identity.actorFor(await t.app.identity.requireUser('alice'), 'api');
  });
  after(() => t.dispose());

  test('the disk example runs through the dispatcher and prints its output', async () => {
    assert.deepEqual(
      t.app.actions.list().map((a) => a.name),
      ['disk'],
    );
    const reply = await t.app.bot.dispatcher.execute(alice, 'disk /var');
    assert.equal(reply.outcome, 'ok', reply.text);
    assert.match(reply.text, /Filesystem\s+Size\s+Used/);
  });

  test('`opsroom run "disk /var"` prints the output and exits 0', async () => {
    const url = await t.listen();
    const result = await cli(['--url', url, '--token', aliceToken, 'run', 'disk /var']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Filesystem/);
    const help = await t.app.bot.dispatcher.execute(alice, 'help disk');
    assert.match(help.text, /Show disk usage of a path/);
  });

  test('an action dropped in while the server runs becomes a command; a secret it prints is redacted', async () => {
    await t.app.secrets.set(SYSTEM_ACTOR, 'API_TOKEN', 'tok-abcdef-123456');
    writeAction(
      dir,
      'leak',
      [
        'summary: Prints its token',
        'run: ["./run.sh"]',
        'permission: ops:read',
        'env: { TOKEN: "{{ secret.API_TOKEN }}" }',
      ].join('\n'),
      { 'run.sh': '#!/bin/sh\necho "token is $TOKEN"\n' },
    );
    await waitUntil('the new action to load', () => t.app.bot.registry.get('leak') !== undefined);
    const reply = await t.app.bot.dispatcher.execute(alice, 'leak');
    assert.equal(reply.outcome, 'ok', reply.text);
    assert.match(reply.text, /token is \[redacted:API_TOKEN\]/);
    assert.doesNotMatch(reply.text, /tok-abcdef/);
  });

  test('a script that never exits is stopped by its timeout, forked children included', async () => {
    const pidFile = join(dir, 'hang.pid');
    writeAction(
      dir,
      'hang',
      ['summary: Never ends', 'run: ["./run.sh"]', 'permission: ops:read', 'timeout: 1s'].join('\n'),
      { 'run.sh': `#!/bin/sh\nsleep 1000 &\necho $! > ${pidFile}\nwait\n` },
    );
    await waitUntil('the new action to load', () => t.app.bot.registry.get('hang') !== undefined);
    const reply = await t.app.bot.dispatcher.execute(alice, 'hang');
    assert.equal(reply.outcome, 'failed');
    assert.match(reply.text, /timed out/i);
    const child = Number(readFileSync(pidFile, 'utf8'));
    await waitUntil('the forked child to be killed', () => processGone(child));
  });

  test('in a room: output streams into one job card; cancel kills the script and its children', async () => {
    const pidFile = join(dir, 'ticker.pid');
    writeAction(
      dir,
      'ticker',
      ['summary: Ticks until cancelled', 'run: ["./run.sh"]', 'permission: ops:read', 'timeout: 5m'].join(
        '\n',
      ),
      {
        'run.sh': `#!/bin/sh\nsleep 1000 &\necho $! > ${pidFile}\ni=0\nwhile :; do i=$((i+1)); echo "tick $i"; sleep 0.05; done\n`,
      },
    );
    await waitUntil('the new action to load', () => t.app.bot.registry.get('ticker') !== undefined);
    const as = { authorization: `Bearer ${aliceToken}` };
    await t.request({ method: 'POST', url: '/api/rooms', headers: as, payload: { name: 'ops' } });
    const say = async (text: string) => {
      const res = await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        headers: as,
        payload: { text },
      });
      assert.equal(res.statusCode, 201, res.body);
      await t.app.bot.dispatcher.drain();
    };
    await say('!ticker');
    const job = await eventually(async () => {
      const [latest] = await t.app.bot.jobs.list(alice, { limit: 1, status: 'running' });
      return (
        latest !== undefined && /tick 3/.test((await t.app.bot.jobs.get(alice, latest.id)).output) && latest
      );
    }, 20_000);
    const child = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(processGone(child), false);
    await say(`!cancel ${job.id}`);
    await t.app.bot.idle();
    const ended = await t.app.bot.jobs.get(alice, job.id);
    assert.equal(ended.status, 'cancelled');
    assert.match(ended.output, /tick 1\ntick 2\ntick 3/);
    await waitUntil('the forked child to be killed', () => processGone(child));
    const messages = (
      await t.request({ method: 'GET', url: '/api/rooms/ops/messages?limit=100', headers: as })
    ).json().messages as { username: string; card?: { title: string } }[];
    const cards = messages.filter((m) => m.username === 'opsbot' && m.card?.title.includes(`#${job.id}`));
    assert.equal(cards.length, 1, 'one message per job, updated in place');
  });

  test('a manifest that breaks while the server runs keeps the last good version', async () => {
    writeAction(dir, 'disk', 'summary: [unclosed\n');
    t.app.actions.rescan();
    assert.equal(
      t.app.actions.list().find((a) => a.name === 'disk')?.command.summary,
      'Show disk usage of a path',
    );
    const reply = await t.app.bot.dispatcher.execute(alice, 'disk /');
    assert.equal(reply.outcome, 'ok', reply.text);
  });
});
