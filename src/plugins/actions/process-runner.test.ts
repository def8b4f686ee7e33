import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SystemClock } from '../../core/clock.js';
import { formatBytes, type RunProcessOptions, runProcess } from './process-runner.js';
import { describeOutcome } from './script-action.js';
import { processGone, tempDir, waitUntil } from './testing.js';

const dir = tempDir();
const PATH = '/usr/local/bin:/usr/bin:/bin';

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function run(file: string, options: Partial<RunProcessOptions> = {}) {
  const chunks: string[] = [];
  const controller = new AbortController();
  const done = runProcess({
    file,
    args: [],
    cwd: dir,
    env: { PATH },
    maxOutputBytes: 1024 * 1024,
    signal: controller.signal,
    onOutput: (text) => chunks.push(text),
    clock: new SystemClock(),
    killGraceMs: 500,
    ...options,
  });
  return { done, controller, output: () => chunks.join('') };
}

describe('running an action program', () => {
  test('stdout and stderr both stream; the exit code is reported', async () => {
    const file = script('codes.sh', 'echo to-out; echo to-err >&2; exit 3');
    const { done, output } = run(file);
    const outcome = await done;
    assert.equal(outcome.exitCode, 3);
    assert.equal(outcome.exitSignal, null);
    assert.match(output(), /to-out/);
    assert.match(output(), /to-err/);
    const result = describeOutcome({ file, maxOutputBytes: 1 }, outcome, new AbortController().signal);
    assert.deepEqual(result, { ok: false, exitCode: 3, text: 'exited with code 3' });
    const ok = await run(script('ok.sh', 'exit 0')).done;
    assert.deepEqual(describeOutcome({ file, maxOutputBytes: 1 }, ok, new AbortController().signal), {
      ok: true,
      exitCode: 0,
    });
  });

  test('arguments are an argv array: shell syntax arrives literally', async () => {
    const file = script('argv.sh', 'for a in "$@"; do printf "[%s]\\n" "$a"; done');
    const evil = ['$(id)', '; rm -rf /', '`whoami`', 'a\'b"c', '&& echo pwned'];
    const { done, output } = run(file, { args: evil });
    assert.equal((await done).exitCode, 0);
    assert.equal(output(), evil.map((a) => `[${a}]\n`).join(''));
  });

  test('the environment is exactly what it is given, and stdin carries the input', async () => {
    const file = script('env.sh', 'env | sort; echo "stdin=$(cat)"');
    const { done, output } = run(file, { env: { PATH, ONLY_THIS: 'yes' }, stdin: '{"args":{}}' });
    assert.equal((await done).exitCode, 0);
    const names = output()
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]);
    // The shell adds PWD (and maybe SHLVL) itself; nothing of the server's environment is there.
    assert.deepEqual(
      names.filter((n) => !['PWD', 'SHLVL', 'OLDPWD', '_'].includes(n!)),
      ['ONLY_THIS', 'PATH'],
    );
    assert.match(output(), /stdin=\{"args":\{\}\}/);
  });

  test('a program that does not read stdin is not an error', async () => {
    const { done } = run(script('no-stdin.sh', 'exit 0'), { stdin: 'x'.repeat(1024 * 1024) });
    assert.equal((await done).exitCode, 0);
  });

  test('output past the cap is dropped, said so, and the program is stopped', async () => {
    const file = script(
      'flood.sh',
      'while :; do echo "0123456789abcdef0123456789abcdef0123456789abcdef"; done',
    );
    const cap = 64 * 1024;
    const { done, output } = run(file, { maxOutputBytes: cap });
    const outcome = await done;
    assert.equal(outcome.stoppedBecause, 'output-cap');
    assert.equal(outcome.outputBytes, cap);
    const notice = `\n[output capped at 64 KiB: the rest is dropped and the action stopped]\n`;
    assert.ok(output().endsWith(notice));
    assert.equal(Buffer.byteLength(output()) - Buffer.byteLength(notice), cap);
    const result = describeOutcome({ file, maxOutputBytes: cap }, outcome, new AbortController().signal);
    assert.equal(result.ok, false);
    assert.equal(result.text, 'output capped at 64 KiB; the action was stopped');
  });

  test('megabytes of output from a program that ends are capped at the limit', async () => {
    const file = script('megabytes.sh', 'head -c 5000000 /dev/zero | tr "\\0" "x"; echo done');
    const { done, output } = run(file, { maxOutputBytes: 1024 * 1024 });
    const outcome = await done;
    assert.equal(outcome.stoppedBecause, 'output-cap');
    assert.equal(outcome.outputBytes, 1024 * 1024);
    assert.ok(output().length < 1024 * 1024 + 200);
    assert.doesNotMatch(output(), /done/);
  });

  test('aborting kills the whole process group, forked children included', async () => {
    const pidFile = join(dir, 'child.pid');
    const file = script('forks.sh', `sleep 1000 &\necho $! > ${pidFile}\necho started\nwait`);
    const { done, controller, output } = run(file);
    await waitUntil('the script to start its child', () => output().includes('started'));
    const child = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(child > 0 && !processGone(child), 'the child runs');
    controller.abort('cancelled by @alice');
    const outcome = await done;
    assert.equal(outcome.stoppedBecause, 'aborted');
    await waitUntil('the forked child to die', () => processGone(child));
    const result = describeOutcome({ file, maxOutputBytes: 1 }, outcome, controller.signal);
    assert.equal(result.ok, false);
    assert.equal(result.text, 'stopped (cancelled by @alice); its processes were killed');
  });

  test('a program that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    const file = script('stubborn.sh', "trap '' TERM\necho ready\nwhile :; do sleep 1; done");
    const { done, controller, output } = run(file, { killGraceMs: 300 });
    await waitUntil('the script to trap TERM', () => output().includes('ready'));
    controller.abort({ kind: 'timeout' });
    const outcome = await done;
    assert.equal(outcome.stoppedBecause, 'aborted');
    assert.equal(outcome.exitSignal, 'SIGKILL');
    const result = describeOutcome({ file, maxOutputBytes: 1 }, outcome, controller.signal);
    assert.equal(result.exitCode, 137);
    assert.match(String(result.text), /stopped \(timed out\)/);
  });

  test('children left behind by a program that exits are stopped too', async () => {
    const pidFile = join(dir, 'orphan.pid');
    const file = script('leaves-child.sh', `sleep 1000 &\necho $! > ${pidFile}\nexit 0`);
    const outcome = await run(file).done;
    assert.equal(outcome.exitCode, 0);
    const child = Number(readFileSync(pidFile, 'utf8'));
    await waitUntil('the left-behind child to die', () => processGone(child));
  });

  test('death by a signal is a failure that names it', async () => {
    const file = script('segv.sh', 'kill -SEGV $$');
    const outcome = await run(file).done;
    assert.equal(outcome.exitSignal, 'SIGSEGV');
    const result = describeOutcome({ file, maxOutputBytes: 1 }, outcome, new AbortController().signal);
    assert.deepEqual(result, { ok: false, exitCode: 139, text: 'killed by SIGSEGV' });
  });

  test('a program that cannot start is reported, not thrown', async () => {
    const outcome = await run(join(dir, 'missing.sh')).done;
    assert.equal(outcome.spawnError?.code, 'ENOENT');
    const result = describeOutcome(
      { file: 'missing.sh', maxOutputBytes: 1 },
      outcome,
      new AbortController().signal,
    );
    assert.equal(result.ok, false);
    assert.match(String(result.text), /could not start missing\.sh: ENOENT/);
  });

  test('a NUL byte in an argument is reported, not thrown', async () => {
    const outcome = await run(script('nul.sh', 'exit 0'), { args: ['a\0b'] }).done;
    assert.equal(outcome.spawnError?.code, 'ERR_INVALID_ARG_VALUE');
  });

  test('an already aborted signal starts nothing', async () => {
    const marker = join(dir, 'never');
    const controller = new AbortController();
    controller.abort();
    const outcome = await run(script('never.sh', `touch ${marker}`), { signal: controller.signal }).done;
    assert.equal(outcome.stoppedBecause, 'aborted');
    assert.throws(() => readFileSync(marker));
  });

  test('sizes read as people write them', () => {
    assert.equal(formatBytes(1024 * 1024), '1 MiB');
    assert.equal(formatBytes(64 * 1024), '64 KiB');
    assert.equal(formatBytes(1000), '1000 bytes');
  });
});
