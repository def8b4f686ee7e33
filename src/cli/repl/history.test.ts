import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ShellHistory } from './history.js';

describe('shell history file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-history-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('keeps the last lines, oldest first, in a file only its owner reads', () => {
    const file = join(dir, 'capped');
    const problems: string[] = [];
    const history = new ShellHistory(file, (p) => problems.push(p), 3);
    for (const line of ['one', 'two', 'two', '   ', 'three', 'four']) history.add(line);
    assert.deepEqual(history.entries, ['two', 'three', 'four'], 'capped, repeats and blanks dropped');
    assert.equal(readFileSync(file, 'utf8'), 'two\nthree\nfour\n');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    history.add(' secret line');
    assert.deepEqual(history.entries, ['two', 'three', 'four'], 'a leading space keeps a line out');
    assert.deepEqual(new ShellHistory(file, () => {}, 2).entries, ['three', 'four'], 'reloads capped');
    assert.deepEqual(problems, []);
  });

  test('an unwritable file is reported once and the shell goes on', () => {
    const problems: string[] = [];
    const history = new ShellHistory(join(dir, 'no', 'such', 'dir', 'h'), (p) => problems.push(p));
    history.add('ping');
    history.add('pong');
    assert.deepEqual(history.entries, ['ping', 'pong']);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /cannot write the history file/);
  });

  test('an existing file is read', () => {
    const file = join(dir, 'existing');
    writeFileSync(file, 'a\n\nb\n');
    assert.deepEqual(new ShellHistory(file, () => {}).entries, ['a', 'b']);
  });
});
