import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { knownEntities } from './entity-args.js';

describe('knownEntities', () => {
  test('remembers names that exist, asks again for names that did not', async () => {
    const asked: string[] = [];
    const existing = new Set(['alice', 'ops']);
    const lookup = knownEntities({
      userExists: async (name) => {
        asked.push(`user:${name}`);
        return existing.has(name);
      },
      roomExists: async (name) => {
        asked.push(`room:${name}`);
        return existing.has(name);
      },
    });
    assert.equal(await lookup.userExists('alice'), true);
    assert.equal(await lookup.userExists('alice'), true);
    assert.equal(await lookup.userExists('bob'), false);
    existing.add('bob');
    assert.equal(await lookup.userExists('bob'), true, 'a miss is never cached: bob was created since');
    assert.equal(await lookup.roomExists('ops'), true);
    assert.equal(await lookup.roomExists('alice'), true, 'users and rooms are remembered apart');
    assert.deepEqual(asked, ['user:alice', 'user:bob', 'user:bob', 'room:ops', 'room:alice']);
  });
});
