import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cli } from '../../../test/support/cli.js';
import { tempDir, writeAction } from '../../plugins/actions/testing.js';

const example = join(import.meta.dirname, '../../../examples/actions/disk');

describe('opsroom actions check', () => {
  test('good manifests: lists the commands and exits 0', async () => {
    const dir = tempDir();
    cpSync(example, join(dir, 'disk'), { recursive: true });
    writeAction(
      dir,
      'status',
      [
        'summary: Service status',
        'permission: ops:read',
        'http: { url: "https://status.example.com/api" }',
      ].join('\n'),
    );
    const result = await cli(['actions', 'check', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^COMMAND\s+KIND\s+FILE\s+SUMMARY$/m);
    assert.match(
      result.stdout,
      /^disk \[<path>\]\s+script\s+\S+\/disk\/action\.yaml\s+Show disk usage of a path$/m,
    );
    assert.match(result.stdout, /^status\s+http\s+/m);
    assert.match(result.stdout, /2 actions OK/);
    assert.equal(result.stderr, '');

    const json = await cli(['--json', 'actions', 'check', dir]);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; actions: { name: string }[] };
    assert.equal(parsed.ok, true);
    assert.deepEqual(
      parsed.actions.map((a) => a.name),
      ['disk', 'status'],
    );
  });

  test('broken manifests: every problem with file:line, exit 1', async () => {
    const dir = tempDir();
    cpSync(example, join(dir, 'disk'), { recursive: true });
    writeAction(
      dir,
      'slow',
      ['summary: Slow', 'run: ["./run.sh"]', 'permission: ops:read', 'timeout: ages'].join('\n'),
      {
        'run.sh': '#!/bin/sh\n',
      },
    );
    writeAction(dir, 'gone', ['summary: Gone', 'permission: ops:read', 'run: ["./missing.sh"]'].join('\n'));
    writeAction(
      dir,
      'helpful',
      ['name: help', 'summary: Clash', 'run: ["true"]', 'permission: ops:read'].join('\n'),
    );
    const result = await cli(['actions', 'check', dir]);
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.ok(
      lines.some((l) =>
        l.endsWith(
          "slow/action.yaml:4:10: timeout: 'ages' is not a duration such as 90s, 15m, 2h, 1d or 1h30m",
        ),
      ),
      result.stderr,
    );
    assert.ok(
      lines.some((l) => /gone\/action\.yaml:3:\d+: run\.0: \.\/missing\.sh: no such file/.test(l)),
      result.stderr,
    );
    assert.ok(
      lines.some((l) => /helpful\/action\.yaml: name: 'help' belongs to the built-in command 'help'/.test(l)),
    );
    assert.match(result.stdout, /^disk /m, 'the good one is still listed');
    assert.match(result.stdout, /1 action OK, 3 problems/);
  });

  test('without a folder it checks actions.dir from the configuration; a missing folder is a problem', async () => {
    const dir = tempDir();
    cpSync(example, join(dir, 'disk'), { recursive: true });
    const config = join(dir, 'opsroom.yaml');
    writeFileSync(config, `actions:\n  dir: ${dir}\n`);
    const result = await cli(['--config', config, 'actions', 'check']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /1 action OK/);

    const missing = await cli(['actions', 'check', join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no actions folder at .*nope/);
  });
});
