import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { completeLine } from './completer.js';

const words = {
  commands: ['help', 'ping', 'pong', 'deploy', 'ship', 'explain', 'echo'],
  rooms: ['ops', 'ops-eu', 'random'],
};

describe('shell completion', () => {
  test('the first word completes from command names and aliases', () => {
    assert.deepEqual(completeLine('pi', words), [['ping'], 'pi']);
    assert.deepEqual(completeLine('p', words), [['ping', 'pong'], 'p']);
    assert.deepEqual(completeLine('', words)[0].length, words.commands.length, 'Tab on nothing lists all');
    assert.deepEqual(completeLine('DEP', words), [['deploy'], 'DEP'], 'case does not matter');
    assert.deepEqual(completeLine('zz', words), [[], 'zz']);
    assert.deepEqual(completeLine('!de', words), [['!deploy'], '!de'], 'the chat prefix is kept');
  });

  test('help and explain complete a command name; other arguments complete nothing', () => {
    assert.deepEqual(completeLine('help de', words), [['deploy'], 'de']);
    assert.deepEqual(completeLine('explain sh', words), [['ship'], 'sh']);
    assert.deepEqual(completeLine('deploy a', words), [[], 'a']);
    assert.deepEqual(completeLine('help deploy a', words), [[], 'a']);
  });

  test('dot-commands, and room names after .room', () => {
    assert.deepEqual(completeLine('.r', words), [['.room'], '.r']);
    assert.deepEqual(completeLine('.', words), [['.exit', '.help', '.room'], '.']);
    assert.deepEqual(completeLine('.room o', words), [['ops', 'ops-eu'], 'o']);
    assert.deepEqual(completeLine('.room #ra', words), [['#random'], '#ra']);
  });
});
