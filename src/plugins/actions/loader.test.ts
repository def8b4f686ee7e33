import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { SystemClock } from '../../core/clock.js';
import { defineCommand } from '../../domains/bot/command.js';
import { CommandRegistry } from '../../domains/bot/registry.js';
import { ActionLoader, type ActionsLog } from './loader.js';
import { tempDir, waitUntil, writeAction } from './testing.js';

class RecordingLog implements ActionsLog {
  readonly lines: { level: string; message: string; detail: Record<string, unknown> }[] = [];
  info(message: string, detail: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, detail });
  }
  warn(message: string, detail: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, detail });
  }
  error(message: string, detail: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, detail });
  }
  has(level: string, pattern: RegExp): boolean {
    return this.lines.some(
      (l) => l.level === level && pattern.test(`${l.message} ${JSON.stringify(l.detail)}`),
    );
  }
}

const manifest = (name: string, summary: string, extra: string[] = []) =>
  [`name: ${name}`, `summary: ${summary}`, 'run: ["./run.sh"]', 'permission: ops:read', ...extra].join('\n');
const RUN = { 'run.sh': '#!/bin/sh\necho hi\n' };

describe('the actions loader', () => {
  const loaders: ActionLoader[] = [];
  afterEach(() => {
    for (const loader of loaders.splice(0)) loader.close();
  });

  function setup(options: { dir?: string; watch?: boolean } = {}) {
    const dir = options.dir ?? tempDir();
    const registry = new CommandRegistry();
    registry.register(
      defineCommand({
        name: 'help',
        summary: 'Built-in help',
        permission: 'bot:use',
        instant: true,
        run: () => 'help',
      }),
    );
    const log = new RecordingLog();
    const loader = new ActionLoader({
      dir,
      registry,
      log,
      clock: new SystemClock(),
      debounceMs: 50,
      deps: { clock: new SystemClock(), serverEnv: { PATH: '/usr/bin:/bin' }, renderSecrets: async (t) => t },
    });
    loaders.push(loader);
    return { dir, registry, log, loader };
  }

  test('hot reload: a folder added, a manifest changed, a folder removed', async () => {
    const { dir, registry, log, loader } = setup();
    writeAction(dir, 'first', manifest('first', 'The first'), RUN);
    loader.start(true);
    assert.equal(registry.get('first')?.summary, 'The first');
    assert.ok(log.has('info', /action loaded.*"action":"first"/));

    writeAction(dir, 'second', manifest('second', 'The second'), RUN);
    await waitUntil('the new action to load', () => registry.get('second') !== undefined);

    writeFileSync(join(dir, 'first', 'action.yaml'), manifest('first', 'The first, changed'));
    await waitUntil('the change to load', () => registry.get('first')?.summary === 'The first, changed');
    assert.ok(log.has('info', /action reloaded.*"action":"first"/));

    rmSync(join(dir, 'second'), { recursive: true });
    await waitUntil('the removed action to go', () => registry.get('second') === undefined);
    assert.ok(log.has('info', /action removed.*"action":"second"/));
    assert.deepEqual(
      loader.list().map((a) => a.name),
      ['first'],
    );
  });

  test('a broken manifest is logged and the previous version stays; fixing it reloads', async () => {
    const { dir, registry, log, loader } = setup();
    const folder = writeAction(dir, 'disk', manifest('disk', 'Good version'), RUN);
    loader.start(true);
    const good = registry.get('disk');
    writeFileSync(join(folder, 'action.yaml'), `${manifest('disk', 'Broken version')}\ntimeout: forever\n`);
    await waitUntil('the problem to be logged', () => log.has('error', /action manifest has problems/));
    assert.ok(log.has('error', /disk\/action\.yaml:5:\d+: timeout: 'forever'/), JSON.stringify(log.lines));
    assert.ok(log.has('warn', /keeping the previous version.*"action":"disk"/));
    assert.equal(registry.get('disk'), good, 'the good version still answers');

    writeFileSync(join(folder, 'action.yaml'), manifest('disk', 'Fixed version'));
    await waitUntil('the fix to load', () => registry.get('disk')?.summary === 'Fixed version');
  });

  test('a name that belongs to a built-in or to another action is refused, naming the owner', async () => {
    const { dir, registry, log, loader } = setup();
    writeAction(dir, 'a-help', manifest('help', 'Pretends to be help'), RUN);
    writeAction(dir, 'b-one', manifest('same', 'First'), RUN);
    writeAction(dir, 'c-two', manifest('same', 'Second', ['aliases: [other]']), RUN);
    loader.start(false);
    assert.equal(registry.get('help')?.summary, 'Built-in help');
    assert.ok(log.has('error', /the name 'help' belongs to the built-in command 'help'/));
    assert.equal(registry.get('same')?.summary, 'First');
    assert.ok(log.has('error', /the name 'same' is already used by the action in .*b-one\/action\.yaml/));
    assert.equal(registry.get('other'), undefined);

    // Once the first is gone, the second may have the name.
    rmSync(join(dir, 'b-one'), { recursive: true });
    loader.rescan();
    assert.equal(registry.get('same')?.summary, 'Second');
    assert.equal(registry.lookup('other')?.summary, 'Second');
  });

  test('renaming an action replaces the old command with the new one', async () => {
    const { dir, registry, loader } = setup();
    const folder = writeAction(dir, 'x', manifest('before', 'Named before'), RUN);
    loader.start(true);
    writeFileSync(join(folder, 'action.yaml'), manifest('after', 'Named after'));
    await waitUntil('the rename', () => registry.get('after') !== undefined);
    assert.equal(registry.get('before'), undefined);
  });

  test('a program made executable later is picked up', async () => {
    const { dir, registry, log, loader } = setup();
    const folder = writeAction(dir, 'late', manifest('late', 'Late'));
    writeFileSync(join(folder, 'run.sh'), '#!/bin/sh\necho hi\n');
    loader.start(true);
    assert.equal(registry.get('late'), undefined);
    assert.ok(log.has('error', /run\.0: \.\/run\.sh is not an executable file/));
    chmodSync(join(folder, 'run.sh'), 0o755);
    await waitUntil('the action to load once executable', () => registry.get('late') !== undefined);
  });

  test('an actions folder that appears after start is watched from then on', async () => {
    const parent = tempDir();
    const dir = join(parent, 'actions');
    const { registry, loader } = setup({ dir });
    loader.start(true);
    assert.deepEqual(loader.list(), []);
    const staging = join(parent, 'staging');
    mkdirSync(staging);
    writeAction(staging, 'hello', manifest('hello', 'Hello'), RUN);
    renameSync(staging, dir);
    await waitUntil('the folder to be noticed', () => registry.get('hello') !== undefined);
    writeAction(dir, 'more', manifest('more', 'More'), RUN);
    await waitUntil('a later action in it', () => registry.get('more') !== undefined);
    rmSync(dir, { recursive: true });
    await waitUntil(
      'the folder removal',
      () => registry.get('hello') === undefined && registry.get('more') === undefined,
    );
  });

  test('without watching nothing changes until a rescan', async () => {
    const { dir, registry, loader } = setup();
    loader.start(false);
    writeAction(dir, 'quiet', manifest('quiet', 'Quiet'), RUN);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(registry.get('quiet'), undefined);
    loader.rescan();
    assert.equal(registry.get('quiet')?.summary, 'Quiet');
  });
});
