import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../../../test/support/databases.js';
import { FakeClock } from '../../core/clock.js';
import {
  type DeployTestApp,
  waitFor as eventually,
  startDeployApp,
  tempDir,
  writeScript,
} from './testing.js';

// Friday 25 December 2026, 19:00 UTC: inside the production freeze (a date range) and the staging
// weekend freeze (cron: from Friday 18:00 for 62 hours).
const FRIDAY_EVENING = '2026-12-25T19:00:00Z';

for (const dialect of DIALECTS) {
  describe(`deploy locks, queueing, freezes and timeouts on a FakeClock (${dialect})`, () => {
    let d: DeployTestApp;
    let dir: string;
    const clock = new FakeClock(FRIDAY_EVENING);
    before(async () => {
      dir = tempDir();
      // Waits for a file named after the ref, so a test decides when each deploy ends.
      writeScript(
        dir,
        'api.sh',
        `echo "deploying $REF"\nwhile [ ! -f "${dir}/go-$REF" ]; do sleep 0.02; done\necho "done $REF"`,
      );
      d = await startDeployApp(
        dialect,
        {
          api: {
            provider: 'shell',
            script: join(dir, 'api.sh'),
            timeoutMinutes: 1,
            environments: {
              staging: { freeze: [{ cron: '0 18 * * 5', duration: '62h', reason: 'weekend' }] },
              production: { freeze: ['2026-12-24T00:00:00Z/2026-12-27T00:00:00Z'] },
              qa: {},
            },
          },
        },
        { clock },
      );
    });
    after(() => d.dispose());
    const go = (ref: string) => writeFileSync(join(dir, `go-${ref}`), '');

    test('a freeze refuses a deploy; deploy! needs the force permission and is audited', async () => {
      const [refused] = await d.say('!deploy api/r1 to production', 'alice');
      assert.match(
        refused!.text,
        /`api` production is frozen until 2026-12-27T00:00:00.000Z\. To deploy anyway, use `deploy!` \(needs `deploy:force`\)/,
      );
      const [weekend] = await d.say('!deploy api/r1 to staging', 'rex');
      assert.match(weekend!.text, /frozen by the window `0 18 \* \* 5` \(UTC\) \(weekend\)/);
      const [noForce] = await d.say('!deploy! api/r1 to staging', 'rex');
      assert.match(noForce!.text, /forcing a deploy through it needs `deploy:force`, which you do not have/);
      assert.equal(await d.latest('api'), undefined);

      go('r2');
      await d.say('!deploy! api/r2 to staging', 'alice');
      const forced = await d.ended('api', 'succeeded', 'staging');
      assert.equal(forced.forced, true);
      await d.t.app.audit.drain();
      const audit = await d.t.request({
        method: 'GET',
        url: '/api/audit?action=deploy.forced',
        as: d.t.admin,
      });
      const records = audit.json().records as { actor: string; detail: string }[];
      assert.equal(records.length, 1, audit.body);
      assert.equal(records[0]!.actor, 'alice');
      assert.match(records[0]!.detail, new RegExp(`"deployId":${forced.id}`));

      // Monday morning: the weekend window is over.
      clock.set('2026-12-28T09:00:00Z');
      go('r3');
      const [started] = await d.say('!deploy api/r3 to staging', 'rex');
      assert.match(started!.card?.title ?? '', /deploy api\/r3 to staging/);
      await eventually(async () => {
        const latest = await d.latest('api', 'staging');
        assert.equal(latest?.ref, 'r3');
        assert.equal(latest?.status, 'succeeded');
        assert.equal(latest?.forced, false);
        return true;
      });
    });

    test('one deploy per app and environment: the second waits in the queue and its card says so', async () => {
      await d.say('!deploy api/q1 to qa', 'alice');
      const first = await eventually(async () => {
        const latest = await d.latest('api', 'qa');
        assert.equal(latest?.status, 'running');
        return latest!;
      });
      await d.say('!deploy api/q2 to qa', 'bob');
      const queuedJob = await eventually(async () => {
        const jobs = await d.t.app.bot.jobs.list(
          d.t.app.identity.actorFor(await d.t.app.identity.requireUser('root'), 'web'),
          {},
        );
        const job = jobs.find((j) => j.line.includes('api/q2'));
        assert.equal(job?.status, 'queued');
        return job!;
      });
      await eventually(async () => {
        const [card] = await d.jobCards(queuedJob.id);
        assert.match(
          card?.text ?? '',
          new RegExp(`Waiting in the queue: deploy #${first.id} of api to qa .* is running`),
        );
        return true;
      });
      assert.equal((await d.latest('api', 'qa'))?.id, first.id, 'the second has not started');
      go('q1');
      await eventually(async () => {
        const latest = await d.latest('api', 'qa');
        assert.equal(latest?.ref, 'q2');
        assert.equal(latest?.status, 'running');
        return true;
      });
      assert.equal((await d.t.app.deploys.service.get(first.id)).status, 'succeeded');
      go('q2');
      await d.ended('api', 'succeeded', 'qa');
    });

    test("the environment's timeout stops a deploy that does not end", async () => {
      await d.say('!deploy api/never to qa', 'alice');
      const running = await eventually(async () => {
        const latest = await d.latest('api', 'qa');
        assert.equal(latest?.ref, 'never');
        assert.equal(latest?.status, 'running');
        return latest!;
      });
      await clock.advanceAsync(60_000);
      const ended = await d.ended('api', 'timed_out', 'qa');
      assert.equal(ended.id, running.id);
      assert.match(ended.summary ?? '', /timed out after 1m/);
      assert.ok(!existsSync(join(dir, 'go-never')));
    });
  });
}
