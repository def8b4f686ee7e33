import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  deploy,
  ping,
  registryWithAll,
  rollback,
  whoCan,
  whoIsOnCall,
} from '../../../test/support/bot-commands.js';
import { ConflictError } from '../../core/errors.js';
import { CommandDefinitionError, defineCommand } from './command.js';
import { CommandRegistry } from './registry.js';

describe('CommandRegistry', () => {
  test('looks commands up by name or alias, case-insensitively', () => {
    const registry = registryWithAll();
    assert.equal(registry.lookup('deploy'), deploy);
    assert.equal(registry.lookup('SHIP'), deploy);
    assert.equal(registry.lookup('nope'), undefined);
    assert.equal(registry.get('ship'), undefined, 'get is by name only');
    assert.equal(registry.get('Deploy'), deploy);
  });

  test('candidates for a first word: owners first, then commands whose patterns start with it', () => {
    const registry = registryWithAll();
    assert.deepEqual(registry.candidates('ship'), [deploy]);
    assert.deepEqual(registry.candidates('who'), [whoIsOnCall, whoCan]);
    assert.deepEqual(registry.candidates('oncall'), [whoIsOnCall]);
    assert.deepEqual(registry.candidates('zzz'), []);
  });

  test('refuses a name or alias that another command owns, naming both', () => {
    const registry = new CommandRegistry();
    registry.register(deploy);
    const clash = defineCommand({ name: 'ship', summary: 'Ships', permission: 'p', run: () => undefined });
    assert.throws(
      () => registry.register(clash),
      (e: unknown) =>
        e instanceof ConflictError && /'ship' is already an alias of command 'deploy'/.test(e.message),
    );
    const twin = defineCommand({ name: 'deploy', summary: 'Again', permission: 'p', run: () => undefined });
    assert.throws(() => registry.register(twin), /'deploy' is already the name of command 'deploy'/);
    assert.equal(registry.size, 1, 'a refused command leaves nothing behind');
  });

  test('lists sorted by name and filters with a predicate for help', () => {
    const registry = registryWithAll();
    const names = registry.list().map((c) => c.name);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(
      registry.visibleTo((c) => c.permission === 'bot:use').map((c) => c.name),
      ['ping', 'who-can'],
    );
    assert.ok(registry.words().includes('ship'));
    assert.deepEqual([...registry.words((c) => c === deploy)].sort(), ['deploy', 'ship']);
  });

  test('unregister and replace support hot reload', () => {
    const registry = registryWithAll();
    assert.ok(registry.unregister('rollback'));
    assert.ok(!registry.unregister('rollback'));
    assert.equal(registry.lookup('rollback'), undefined);
    assert.deepEqual(registry.candidates('rollback'), []);
    registry.register(rollback);
    const newPing = defineCommand({
      name: 'ping',
      aliases: ['p'],
      summary: 'Ping v2',
      permission: 'bot:use',
      async run() {},
    });
    registry.replace(newPing);
    assert.equal(registry.lookup('p'), newPing);
    assert.notEqual(registry.get('ping'), ping);
    // A replacement that clashes is refused and the previous version stays.
    const bad = defineCommand({
      name: 'ping',
      aliases: ['ship'],
      summary: 'x',
      permission: 'p',
      run: () => undefined,
    });
    assert.throws(() => registry.replace(bad), ConflictError);
    assert.equal(registry.get('ping'), newPing);
  });

  test('plain definitions (JavaScript plugins) are checked on register', () => {
    const registry = new CommandRegistry();
    const registered = registry.register({
      name: 'hello',
      summary: 'Hi',
      permission: 'bot:use',
      run: () => 'hi',
    });
    assert.equal(registry.lookup('hello'), registered);
    assert.throws(
      () => registry.register({ name: 'Bad Name', summary: 'x', permission: 'p', run: () => undefined }),
      CommandDefinitionError,
    );
  });

  test('handles hundreds of commands with one map lookup per word', () => {
    const registry = new CommandRegistry();
    for (let i = 0; i < 500; i++) {
      registry.register(
        defineCommand({
          name: `cmd${i}`,
          aliases: [`c${i}`],
          summary: 's',
          permission: 'p',
          run: () => undefined,
        }),
      );
    }
    assert.equal(registry.size, 500);
    assert.equal(registry.candidates('c499')[0]?.name, 'cmd499');
  });
});
