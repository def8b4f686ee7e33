import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../../../test/support/databases.js';
import type { OpsroomEvents } from '../../core/events.js';
import {
  type DeployTestApp,
  waitFor as eventually,
  field,
  startDeployApp,
  tempDir,
  writeScript,
} from './testing.js';

for (const dialect of DIALECTS) {
  describe(`deploys with the shell provider on ${dialect}`, () => {
    let d: DeployTestApp;
    let dir: string;
    const events: { type: string; payload: OpsroomEvents['deploy.started'] }[] = [];
    before(async () => {
      dir = tempDir();
      // Prints what it got; `fail` exits 3; `slow` streams lines and then waits (for cancel).
      writeScript(
        dir,
        'api.sh',
        [
          'echo "APP=$APP REF=$REF ENV=$ENV TASK=$TASK SHA=$SHA HOSTS=$HOSTS DEPLOY_ID=$DEPLOY_ID"',
          'echo "argc=$#"',
          `echo "$REF" > ${join(dir, 'last-ref')}`,
          'if [ "$REF" = fail ]; then echo "boom" >&2; exit 3; fi',
          `if [ "$REF" = after ]; then if kill -0 "$(cat ${join(dir, 'slow.pid')})" 2>/dev/null; then echo "previous alive"; else echo "previous gone"; fi; fi`,
          'if [ "$REF" = slow ]; then echo $$ > ' +
            join(dir, 'slow.pid') +
            '; i=0; while [ $i -lt 5 ]; do echo "step $i"; i=$((i+1)); done; sleep 60; fi',
        ].join('\n'),
      );
      d = await startDeployApp(dialect, {
        api: {
          provider: 'shell',
          script: join(dir, 'api.sh'),
          environments: {
            staging: {},
            production: { permission: 'deploy:prod', approval: true },
          },
        },
        web: {
          provider: 'shell',
          script: join(dir, 'api.sh'),
          defaultEnvironment: 'staging',
          environments: { staging: {}, qa: {} },
        },
      });
      for (const type of ['deploy.started', 'deploy.finished'] as const) {
        d.t.app.bus.subscribe(type, (event) => events.push({ type, payload: event.payload }));
      }
    });
    after(() => d.dispose());

    test('a deploy runs the script with APP, REF, ENV, TASK, SHA, HOSTS, DEPLOY_ID and shows ONE card', async () => {
      await d.say('!deploy api/v1.2.0 to staging/web-1,web-2', 'alice');
      const deploy = await d.ended('api', 'succeeded');
      assert.equal(deploy.ref, 'v1.2.0');
      assert.equal(deploy.hosts, 'web-1,web-2');
      assert.equal(deploy.requester, 'alice');
      const job = await d.t.app.bot.jobs.get(
        d.t.app.identity.actorFor(await d.t.app.identity.requireUser('alice'), 'web'),
        deploy.jobId!,
      );
      assert.match(
        job.output,
        new RegExp(
          `APP=api REF=v1.2.0 ENV=staging TASK=deploy SHA= HOSTS=web-1,web-2 DEPLOY_ID=${deploy.id}`,
        ),
      );
      assert.match(job.output, /argc=0/);
      const cards = await eventually(async () => {
        const cards = await d.jobCards(deploy.jobId!);
        assert.equal(cards.length, 1, 'one card per deploy, edited in place');
        assert.match(cards[0]!.title, /✅/);
        return cards;
      });
      const card = cards[0]!;
      assert.equal(field(card, 'Deploy'), `#${deploy.id}`);
      assert.equal(field(card, 'App'), 'api → staging/web-1,web-2');
      assert.equal(field(card, 'Ref'), 'v1.2.0');
      assert.equal(field(card, 'Requested by'), '@alice');
      assert.ok(field(card, 'Duration'));
      assert.match(card.code?.content ?? '', /APP=api REF=v1.2.0/);
      const mine = events.filter((e) => e.payload.deploy.id === deploy.id).map((e) => e.type);
      assert.deepEqual(mine, ['deploy.started', 'deploy.finished']);
    });

    test('deploy:task passes TASK to the script and shows on the card', async () => {
      await d.say('!deploy:migrate api/main to staging', 'alice');
      const deploy = await eventually(async () => {
        const latest = await d.latest('api');
        assert.equal(latest?.task, 'migrate');
        assert.equal(latest?.status, 'succeeded');
        return latest!;
      });
      const alice = d.t.app.identity.actorFor(await d.t.app.identity.requireUser('alice'), 'web');
      assert.match((await d.t.app.bot.jobs.get(alice, deploy.jobId!)).output, /TASK=migrate/);
      await eventually(async () => {
        const [card] = await d.jobCards(deploy.jobId!);
        assert.equal(field(card!, 'Ref'), 'main (task migrate)');
        return true;
      });
    });

    test('a failing script fails the deploy and its card; the history shows both', async () => {
      await d.say('!deploy api/fail to staging', 'alice');
      const deploy = await d.ended('api', 'failed');
      assert.match(deploy.summary ?? '', /exited 3/);
      const [history] = await d.say('!deploys api in staging', 'carol');
      assert.match(history!.card?.text ?? '', new RegExp(`❌ #${deploy.id} \`api/fail\``));
      assert.match(history!.card?.text ?? '', /✅ #\d+ `api\/v1.2.0`/);
      assert.equal(history!.card?.buttons?.[0]?.value, 'rollback api in staging');
    });

    test('cancel stops the script (its card has a Cancel button) and the deploy is recorded cancelled', async () => {
      await d.say('!deploy api/slow to staging', 'alice');
      const running = await eventually(async () => {
        const latest = await d.latest('api');
        assert.equal(latest?.ref, 'slow');
        const alice = d.t.app.identity.actorFor(await d.t.app.identity.requireUser('alice'), 'web');
        const job = await d.t.app.bot.jobs.get(alice, latest!.jobId!);
        assert.ok(existsSync(join(dir, 'slow.pid')), `the script started (job ${job.status}: ${job.output})`);
        const [card] = await d.jobCards(latest!.jobId!);
        assert.match(card?.code?.content ?? '', /step 4/, 'output streams into the live card');
        assert.equal(card?.buttons?.[0]?.label, 'Cancel');
        return latest!;
      });
      await d.say(`!cancel ${running.jobId}`, 'alice');
      // At once: the next deploy starts only once the cancelled script is gone (one at a time, really).
      await d.say('!deploy api/after to staging', 'alice');
      const next = await d.ended('api', 'succeeded');
      assert.equal(next.ref, 'after');
      const alice = d.t.app.identity.actorFor(await d.t.app.identity.requireUser('alice'), 'web');
      assert.match((await d.t.app.bot.jobs.get(alice, next.jobId!)).output, /previous gone/);
      const deploy = await d.t.app.deploys.service.get(running.id);
      assert.equal(deploy.status, 'cancelled');
      const pid = Number(readFileSync(join(dir, 'slow.pid'), 'utf8'));
      assert.throws(() => process.kill(pid, 0), 'the script is gone');
    });

    test('rollback redeploys the previous successful ref, or a named deploy', async () => {
      await d.say('!deploy api/v2.0.0 to staging', 'alice');
      const v2 = await d.ended('api', 'succeeded');
      assert.equal(v2.ref, 'v2.0.0');
      await d.say('!rollback api in staging', 'alice');
      const back = await eventually(async () => {
        const latest = await d.latest('api', 'staging');
        assert.equal(latest?.status, 'succeeded');
        assert.notEqual(latest?.id, v2.id);
        return latest!;
      });
      assert.equal(back.ref, 'after', 'the last successful deploy before v2.0.0');
      assert.equal(back.rollbackOf, v2.id);
      await d.say(`!rollback api in staging to #${v2.id}`, 'alice');
      const again = await eventually(async () => {
        const latest = await d.latest('api', 'staging');
        assert.equal(latest?.status, 'succeeded');
        assert.notEqual(latest?.id, back.id);
        return latest!;
      });
      assert.equal(again.ref, 'v2.0.0');
      const [changes] = await d.say('!changes since 1h api', 'carol');
      assert.match(changes!.text, /rollback from/);
    });

    test('no environment: asks which one, unless the app has a default', async () => {
      const [ask] = await d.say('!deploy api', 'alice');
      assert.match(ask!.text, /Which environment of `api`\? `staging`, `production`/);
      assert.deepEqual(
        ask!.card?.buttons?.map((b) => b.value),
        ['deploy api to staging', 'deploy api to production'],
      );
      await d.say('!deploy web/main', 'alice');
      const web = await d.ended('web', 'succeeded');
      assert.equal(web.environment, 'staging');
    });

    test('unknown apps and environments get a usage reply listing the valid ones; nothing runs', async () => {
      const before = (await d.latest('api'))?.id;
      const [app] = await d.say('!deploy nope to staging', 'alice');
      assert.match(app!.text, /I know no app called `nope`\. Apps: `api`, `web`\./);
      const [env] = await d.say('!deploy api to prod', 'alice');
      assert.match(env!.text, /`api` has no environment `prod`\. Environments: `staging`, `production`\./);
      const [where] = await d.say('!where can I deploy api', 'carol');
      assert.match(where!.text, /\*\*production\*\*: needs `deploy:prod`, and approval by someone else/);
      assert.match(where!.text, /There is no default/);
      assert.equal((await d.latest('api'))?.id, before);
    });

    test('refs and hosts with shell metacharacters are refused before anything runs', async () => {
      const before = (await d.latest('api'))?.id;
      for (const line of [
        '!deploy api/$(id) to staging',
        '!deploy api/`id` to staging',
        '!deploy api/a|b to staging',
        '!deploy api/main to staging/h;rm',
      ]) {
        const [reply] = await d.say(line, 'alice');
        assert.match(reply!.text, /is not valid|are not valid/, line);
      }
      const [semi] = await d.say('!deploy "api/main; rm -rf /" to staging', 'alice');
      assert.match(semi!.text, /I know no app|not valid/);
      const [split] = await d.say('!deploy api/main; rm -rf / to staging', 'alice');
      assert.match(split!.text, /not valid|Usage/);
      assert.equal((await d.latest('api'))?.id, before);
      assert.notEqual(readFileSync(join(dir, 'last-ref'), 'utf8').trim(), 'main;');
    });

    test('locks: who, why, when; refused for others, listed, removed; deploy:lock works too', async () => {
      const [locked] = await d.say('!lock api in staging "db migration running"', 'bob');
      assert.match(locked!.text, /Locked `api` in staging: “db migration running”/);
      const [refused] = await d.say('!deploy api/main to staging', 'alice');
      assert.match(
        refused!.text,
        /🔒 `api` in staging is locked by @bob since \S+ \(just now\): “db migration running”/,
      );
      const [list] = await d.say('!locks', 'carol');
      assert.match(list!.card?.text ?? '', /locked by @bob/);
      assert.equal(list!.card?.buttons?.[0]?.value, 'unlock api in staging');
      const [again] = await d.say('!deploy:lock api in staging other', 'alice');
      assert.match(again!.text, /already|locked by @bob/);
      await d.say('!unlock api in staging', 'alice');
      const [relock] = await d.say('!deploy:lock api in staging investigating', 'alice');
      assert.match(relock!.text, /Locked `api` in staging: “investigating”/);
      // The holder may still deploy.
      await d.say('!deploy api/v3 to staging', 'alice');
      assert.equal((await d.ended('api', 'succeeded', 'staging')).ref, 'v3');
      await d.say('!deploy:unlock api in staging', 'alice');
      const [none] = await d.say('!locks', 'carol');
      assert.match(none!.text, /Nothing is locked/);
    });

    test('production needs approval by someone else; the approver is recorded', async () => {
      const [proposed] = await d.say('!deploy api/v4 to production', 'alice');
      assert.match(proposed!.text + (proposed!.card?.title ?? ''), /approv/i);
      const nonce = /approve (\w+)/.exec(JSON.stringify(proposed))?.[1];
      assert.ok(nonce, JSON.stringify(proposed));
      assert.equal(await d.latest('api', 'production'), undefined, 'nothing runs before approval');
      const [self] = await d.say(`!approve ${nonce}`, 'alice');
      assert.match(self!.text, /someone else|cannot approve|your own/i);
      const [denied] = await d.say(`!approve ${nonce}`, 'carol');
      assert.match(denied!.text, /permission|deploy:prod/);
      await d.say(`!approve ${nonce}`, 'bob');
      const deploy = await d.ended('api', 'succeeded', 'production');
      assert.equal(deploy.approvedBy, 'bob');
      assert.equal(deploy.ref, 'v4');
    });

    test('a member may read but not deploy', async () => {
      const [refused] = await d.say('!deploy api/main to staging', 'carol');
      assert.match(refused!.text, /You need the `deploy:staging` permission/);
      const res = await d.t.request({
        method: 'GET',
        url: '/api/deploys?app=api&limit=3',
        as: d.users.carol!,
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().deploys.length, 3);
    });
  });
}
