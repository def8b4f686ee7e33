import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineCommand } from '../domains/bot/command.js';
import { findPluginFiles } from './loader.js';
import { adoptCommand } from './plugin-api.js';
import { createTestBot, type TestBot } from './testing.js';

const here = dirname(fileURLToPath(import.meta.url));
const sdk = pathToFileURL(join(here, 'sdk.ts')).href;
const root = join(here, '..', '..');

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

describe('loading plugins from a folder', () => {
  let dir: string;
  let bot: TestBot;
  const teardownKey = `opsroom-loader-test-${process.pid}`;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opsroom-plugins-'));
    writeFiles(dir, {
      'package.json': '{"type":"module"}',
      'a-typed.ts': `
        import { defineCommand, definePlugin, ValidationError } from '${sdk}';
        const shout = defineCommand({
          name: 'shout',
          summary: 'Shout it',
          usage: ['shout {{times}} {{text}}'],
          args: { times: { type: 'integer', min: 1, max: 3, required: true }, text: { type: 'string', rest: true, required: true } },
          permission: 'bot:use',
          run: ({ args }) => Array.from({ length: args.times }, () => args.text.toUpperCase()).join(' '),
        });
        const cluster = defineCommand({
          name: 'cluster',
          summary: 'Look a cluster up',
          usage: ['cluster {{name}}'],
          args: { name: { type: 'string', required: true } },
          permission: 'bot:use',
          run: ({ args }) => { throw new ValidationError(\`no cluster named \${args.name}\`); },
        });
        const typed: string = 'TypeScript';
        export default definePlugin({
          name: 'typed',
          commands: [shout, cluster],
          setup(api) {
            api.hear(/^marco$/, ({ reply }) => reply('polo from ' + typed));
            return () => { (globalThis as Record<string, unknown>)['${teardownKey}'] = true; };
          },
        });`,
      'b-plain.mjs': `
        export default {
          name: 'plain',
          commands: [{ name: 'plain', summary: 'A plain JavaScript command', permission: 'bot:use', run: () => 'plain works' }],
        };`,
      'c-esm.js': `export const plugin = { name: 'esm', commands: [{ name: 'esm', summary: 'From a .js file', permission: 'bot:use', run: () => 'esm works' }] };`,
      'd-folder/index.ts': `
        import { definePlugin } from '${sdk}';
        export default definePlugin({ name: 'folder', setup(api) { api.command({ name: 'folder', summary: 'From a folder', permission: 'bot:use', run: () => 'folder works' }); } });`,
      'e-throws.ts': `throw new Error('boom while loading');`,
      'f-syntax.mjs': `export default { name: 'syntax', setup( };`,
      'g-no-default.mjs': `export const nothing = 1;`,
      'h-conflict.mjs': `
        export default {
          name: 'conflict',
          commands: [{ name: 'mine', summary: 'Mine', permission: 'bot:use', run: () => 'mine' }],
          setup(api) { api.hear(/^conflict$/, ({ reply }) => reply('should be gone')); api.command({ name: 'help', summary: 'Takes a built-in name', permission: 'bot:use', run: () => '' }); },
        };`,
      'i-duplicate.mjs': `export default { name: 'typed', commands: [{ name: 'dupe', summary: 'Dupe', permission: 'bot:use', run: () => '' }] };`,
      'j-bad-command.mjs': `export default { name: 'badcmd', commands: [{ name: 'Bad Name', summary: '', run: 1 }] };`,
      'k-helper.test.ts': `throw new Error('tests are not plugins');`,
      '_shared.ts': `throw new Error('helpers are not plugins');`,
      'types.d.ts': `export {};`,
      'notes.md': `# not a plugin`,
    });
    bot = await createTestBot({ pluginsDir: dir, users: { alice: ['member'] } });
  });
  after(async () => {
    await bot.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('finds .ts, .mjs, .js files and folders with an index, in name order; skips tests and helpers', () => {
    assert.deepEqual(
      findPluginFiles(dir).map((f) => f.slice(dir.length + 1)),
      [
        'a-typed.ts',
        'b-plain.mjs',
        'c-esm.js',
        'd-folder/index.ts',
        'e-throws.ts',
        'f-syntax.mjs',
        'g-no-default.mjs',
        'h-conflict.mjs',
        'i-duplicate.mjs',
        'j-bad-command.mjs',
      ],
    );
    assert.deepEqual(findPluginFiles(join(dir, 'missing')), []);
  });

  test('the good plugins load and answer; the server started despite the bad ones', async () => {
    const loaded = bot.app.extensions.plugins.plugins.map((p) => p.name);
    assert.deepEqual(loaded, ['typed', 'plain', 'esm', 'folder']);
    assert.deepEqual(await bot.send('alice', '!shout 2 hey'), ['HEY HEY']);
    assert.deepEqual(await bot.send('alice', '!plain'), ['plain works']);
    assert.deepEqual(await bot.send('alice', '!esm'), ['esm works']);
    assert.deepEqual(await bot.send('alice', '!folder'), ['folder works']);
    assert.deepEqual(await bot.send('alice', 'marco'), ['polo from TypeScript']);
    const [usage] = await bot.send('alice', '!shout 9 hey');
    assert.match(usage!, /at most 3/);
  });

  test("a plugin's coded error reaches the user as its message (the plugin shares the server's SDK)", async () => {
    const reply = await bot.run('alice', 'cluster prod-eu');
    assert.equal(reply.outcome, 'failed');
    assert.match(reply.text, /no cluster named prod-eu/);
  });

  test('each failure is logged with its file and reason', () => {
    const failures = Object.fromEntries(
      bot.app.extensions.plugins.failures.map((f) => [
        basename(f.source),
        String((f.error as Error).message),
      ]),
    );
    assert.match(failures['e-throws.ts']!, /boom while loading/);
    assert.ok(failures['f-syntax.mjs'], 'a syntax error is a failure');
    assert.match(failures['g-no-default.mjs']!, /no default export/);
    assert.match(failures['h-conflict.mjs']!, /'help' is already the name of command 'help'/);
    assert.match(failures['i-duplicate.mjs']!, /a plugin named 'typed' is already loaded from .*a-typed\.ts/);
    assert.match(failures['j-bad-command.mjs']!, /name 'Bad Name'/);
    assert.equal(Object.keys(failures).length, 6);
    const logged = bot.problems.filter((p) => p.msg?.toString().startsWith('plugin failed to load'));
    assert.equal(logged.length, 6);
    assert.ok(logged.some((p) => String(p.file).endsWith('e-throws.ts')));
  });

  test('a plugin that fails half-way leaves nothing behind', async () => {
    assert.equal(bot.app.bot.registry.get('mine'), undefined);
    assert.equal(bot.app.bot.registry.get('dupe'), undefined);
    assert.deepEqual(await bot.send('alice', 'conflict'), []);
  });

  test('closing the server unloads plugins and runs their teardown', async () => {
    const other = await createTestBot({ pluginsDir: dir });
    await other.close();
    assert.equal((globalThis as Record<string, unknown>)[teardownKey], true);
  });
});

describe('plugins that import opsroom by its package name', () => {
  test('the example plugin loads from its folder with `import … from "opsroom"`', async () => {
    const bot = await createTestBot({ pluginsDir: join(root, 'examples', 'hello-plugin') });
    try {
      assert.deepEqual(
        bot.app.extensions.plugins.plugins.map((p) => [p.name, p.commands]),
        [['hello', ['hello', 'coffee']]],
      );
      assert.deepEqual(await bot.send('alice', '!hello plugins'), ['Hello, plugins!']);
    } finally {
      await bot.close();
    }
  });
});

describe('adoptCommand', () => {
  test('a command made by another copy of Opsroom is defined again, its permission function kept', () => {
    const original = defineCommand({
      name: 'deploy',
      summary: 'Deploy',
      usage: ['deploy {{env}}'],
      args: { env: { type: 'enum', values: ['staging', 'prod'], required: true } },
      permission: (args) => `deploy:${args.env}`,
      run: () => 'ok',
    });
    assert.equal(adoptCommand(original), original);
    const foreign = { ...original };
    const adopted = adoptCommand(foreign);
    assert.notEqual(adopted, foreign);
    assert.equal(adopted.permissionFor({ env: 'prod' } as never), 'deploy:prod');
    assert.deepEqual(adopted.usage, original.usage);
    assert.throws(() => adoptCommand(42), /must be a defineCommand/);
  });
});
