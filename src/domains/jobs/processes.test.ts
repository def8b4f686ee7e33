import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import type { Actor } from '../../core/actor.js';
import { SystemClock } from '../../core/clock.js';
import { runProcess } from '../../plugins/actions/process-runner.js';
import { processGone, tempDir } from '../../plugins/actions/testing.js';
import { InProcessEventBus } from '../../runtime/event-bus.js';
import type { ProcessIdentity } from '../../runtime/process-identity.js';
import type { Card } from '../chat/schema.js';
import { JobRunner } from './runner.js';
import { JobStore } from './store.js';

const ALICE: Actor = { userId: 'u_alice', username: 'alice', roles: ['member'], channel: 'cli' };
const PATH = '/usr/local/bin:/usr/bin:/bin';
const dir = tempDir('opsroom-job-processes-');
let counter = 0;

function script(body: string): string {
  const file = join(dir, `s${counter++}.sh`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Field 22 (starttime) of /proc/<pid>/stat, read here independently of the code under test. */
function startTicksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}
const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Kills a group the test made, whatever state it is in. */
function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * A program started as a dead server's script would be: leading its own group, nobody waiting on it.
 * Its shell writes its pid, then `sleep 300` in the background and that pid too, and waits; `before`
 * goes first (a trap).
 */
async function orphan(before = ''): Promise<{ pid: number; pids: () => number[] }> {
  const pidFile = join(dir, `pids${counter++}`);
  const file = script(`${before}\necho $$ > ${pidFile}\nsleep 300 &\necho $! >> ${pidFile}\nwait`);
  const child = spawn(file, [], { detached: true, stdio: 'ignore', cwd: dir, env: { PATH } });
  child.unref();
  const pid = child.pid!;
  const pids = () => readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
  await eventually(() => existsSync(pidFile) && pids().length === 2);
  // The background child is forked before its pid is written, but may not have become `sleep` yet:
  // a SIGTERM in that window reaches the shell's copy of the trap and is lost at the exec, so the
  // group would outlive the grace for a reason of the test's making (a CI flake once).
  await eventually(() => commandOf(pids()[1]!) === 'sleep');
  return { pid, pids };
}

for (const dialect of DIALECTS) {
  describe(`a job's processes on ${dialect}`, () => {
    let db: TestDatabase;
    let store: JobStore;
    const cardUpdates: { messageId: string; card: Card }[] = [];
    const groups: number[] = [];
    const runner = (orphanGraceMs = 5_000) =>
      new JobRunner({
        store,
        clock: new SystemClock(),
        bus: new InProcessEventBus(new SystemClock()),
        cards: {
          post: async () => 'm_card',
          update: async (messageId, card) => {
            cardUpdates.push({ messageId, card });
          },
          say: async () => {},
        },
        streamRedactor: () => ({ push: (chunk) => chunk, end: () => '' }),
        redact: (text) => text,
        concurrency: 4,
        cardIntervalMs: 1_000,
        orphanGraceMs,
        onError: (error) => {
          throw error;
        },
      });
    /** A job row as a killed server left it: running, with its card, and this process group recorded. */
    const runningJob = async (recorded: ProcessIdentity) => {
      const row = await store.insert({
        command: 'deploy',
        line: 'deploy api',
        args: '{}',
        requesterId: ALICE.userId,
        requester: ALICE.username,
        channel: 'cli',
        roomId: null,
        threadId: null,
        messageId: `m_${counter++}`,
        status: 'running',
        exitCode: null,
        summary: null,
        output: 'deploying\n',
        outputBytes: 10,
        locks: '[]',
        approvedBy: null,
        cancelledBy: null,
        createdAt: new Date().toISOString(),
        startedAt: new Date().toISOString(),
        finishedAt: null,
      });
      await store.addProcess(row.id, recorded, new Date().toISOString());
      return row.id;
    };

    before(async () => {
      db = await createTestDatabase(dialect);
      store = new JobStore(db.db);
    });
    after(async () => {
      for (const pgid of groups) killGroup(pgid);
      await db.dispose();
    });

    test('a script job records its process group while it runs, and forgets it when it ends', async () => {
      const pidFile = join(dir, `job${counter++}.pid`);
      const file = script(`echo $$ > ${pidFile}\necho started\nexec sleep 300`);
      const jobs = runner();
      const { job, done } = await jobs.start({
        command: 'slow',
        line: 'slow',
        args: {},
        locks: [],
        timeoutMs: 60_000,
        actor: ALICE,
        run: async (ctx) => {
          const outcome = await runProcess({
            file,
            args: [],
            cwd: dir,
            env: { PATH },
            maxOutputBytes: 1024,
            signal: ctx.signal,
            onOutput: ctx.progress,
            clock: new SystemClock(),
            killGraceMs: 500,
          });
          return { ok: outcome.exitCode === 0 };
        },
      });
      const recorded = await eventually(async () => {
        const rows = await store.processesOf(job.id);
        return rows.length === 1 && existsSync(pidFile) && rows;
      });
      const pid = Number(readFileSync(pidFile, 'utf8'));
      groups.push(pid);
      assert.deepEqual(recorded, [{ pid, pgid: pid, startTicks: startTicksOf(pid), bootId: BOOT_ID }]);

      await jobs.cancel(job.id, ALICE);
      assert.equal((await done).status, 'cancelled');
      await eventually(async () => (await store.processesOf(job.id)).length === 0);
      assert.ok(processGone(pid));
    });

    test('at the restart, a group still led by the recorded process is stopped with SIGTERM', async () => {
      const marker = join(dir, `marker${counter++}`);
      const { pid, pids } = await orphan(`trap 'echo terminated > ${marker}; exit 143' TERM`);
      groups.push(pid);
      const id = await runningJob({ pid, pgid: pid, startTicks: startTicksOf(pid), bootId: BOOT_ID });

      const jobs = runner();
      await jobs.recoverInterrupted();

      const [leader, child] = pids();
      assert.equal(leader, pid);
      assert.ok(processGone(pid), 'the script is gone');
      assert.ok(processGone(child!), 'and what it started with it');
      assert.equal(readFileSync(marker, 'utf8').trim(), 'terminated', 'it was asked to stop first');
      const after = await jobs.get(id);
      assert.equal(after?.status, 'interrupted');
      assert.equal(
        after?.summary,
        'The server stopped while this job was running; its outcome is unknown. When it restarted, ' +
          `its processes (pgid ${pid}) were still running and were stopped (SIGTERM).`,
      );
      const card = cardUpdates.findLast((u) => u.messageId === after?.messageId)?.card;
      assert.match(
        card?.text ?? '',
        new RegExp(`its processes \\(pgid ${pid}\\) were still running and were stopped`),
      );
      assert.deepEqual(await store.processesOf(id), []);
    });

    test('a group that ignores SIGTERM gets SIGKILL after the grace', async () => {
      const { pid, pids } = await orphan("trap '' TERM");
      groups.push(pid);
      const id = await runningJob({ pid, pgid: pid, startTicks: startTicksOf(pid), bootId: BOOT_ID });

      await runner(200).recoverInterrupted();

      for (const p of pids()) assert.ok(processGone(p), `process ${p} is gone`);
      assert.match(
        (await store.get(id))?.summary ?? '',
        new RegExp(
          `its processes \\(pgid ${pid}\\) were still running and were stopped \\(SIGTERM, then SIGKILL\\)\\.$`,
        ),
      );
    });

    test('a recorded pid whose start time differs is not signalled', async () => {
      const { pid, pids } = await orphan();
      groups.push(pid);
      // What the dead server recorded was another process that had this pid before.
      const id = await runningJob({ pid, pgid: pid, startTicks: startTicksOf(pid) - 1, bootId: BOOT_ID });

      await runner(200).recoverInterrupted();

      for (const p of pids()) assert.ok(!processGone(p), `process ${p} still runs`);
      const after = await store.get(id);
      assert.equal(after?.status, 'interrupted');
      assert.match(
        after?.summary ?? '',
        new RegExp(`pid ${pid} belongs to another process now, so nothing was signalled`),
      );
      killGroup(pid);
    });

    test('another boot, or no start time at all, is not signalled either', async () => {
      const { pid, pids } = await orphan();
      groups.push(pid);
      const otherBoot = await runningJob({
        pid,
        pgid: pid,
        startTicks: startTicksOf(pid),
        bootId: '00000000-0000-0000-0000-000000000000',
      });
      const unknown = await runningJob({ pid, pgid: pid, startTicks: null, bootId: null });

      await runner(200).recoverInterrupted();

      for (const p of pids()) assert.ok(!processGone(p), `process ${p} still runs`);
      assert.match((await store.get(otherBoot))?.summary ?? '', /belongs to another process now/);
      assert.match(
        (await store.get(unknown))?.summary ?? '',
        new RegExp(
          `its processes \\(pgid ${pid}\\) could not be checked on this system \\(no /proc\\), so they were left alone`,
        ),
      );
      killGroup(pid);
    });

    test('a group that had already ended is reported as such', async () => {
      const { pid, pids } = await orphan();
      const startTicks = startTicksOf(pid);
      killGroup(pid);
      await eventually(() => !existsSync(`/proc/${pid}`) && pids().every(processGone));
      const id = await runningJob({ pid, pgid: pid, startTicks, bootId: BOOT_ID });

      await runner(200).recoverInterrupted();

      assert.match(
        (await store.get(id))?.summary ?? '',
        new RegExp(`its processes \\(pgid ${pid}\\) had already ended\\.$`),
      );
    });

    test('members of a group whose leader is gone are left alone, and named', async () => {
      const { pid, pids } = await orphan();
      groups.push(pid);
      const startTicks = startTicksOf(pid);
      const [, child] = pids();
      process.kill(pid, 'SIGKILL');
      await eventually(() => !existsSync(`/proc/${pid}`));
      const id = await runningJob({ pid, pgid: pid, startTicks, bootId: BOOT_ID });

      await runner(200).recoverInterrupted();

      assert.ok(!processGone(child!), 'the rest of the group still runs');
      assert.match(
        (await store.get(id))?.summary ?? '',
        new RegExp(
          `the leader of its processes \\(pgid ${pid}\\) had ended, but 1 process\\(es\\) .* \\(pids ${child}\\); they were left alone`,
        ),
      );
      killGroup(pid);
    });
  });
}
