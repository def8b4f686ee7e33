import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startTestApp } from '../../test/support/app.js';
import { eventually } from '../../test/support/eventually.js';
import { FakeClock } from '../core/clock.js';
import { checkConfigFile, loadConfig } from './load.js';

/** The `apps:` sample from the deploys issue, exactly as written there. */
const SAMPLE = `apps:
  api:
    provider: shell
    script: ./deploy/api.sh
    environments:
      staging: {}
      production:
        permission: deploy:prod
        approval: true
        freeze: ["2026-12-24T00:00:00Z/2026-12-27T00:00:00Z"]
`;

const dir = mkdtempSync(join(tmpdir(), 'opsroom-apps-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('apps: in opsroom.yaml', () => {
  test('the issue sample passes config check and works as written', async () => {
    const path = file('sample.yaml', SAMPLE);
    assert.deepEqual(checkConfigFile(path), []);
    mkdirSync(join(dir, 'deploy'), { recursive: true });
    writeFileSync(join(dir, 'deploy', 'api.sh'), '#!/bin/sh\necho "deploying $APP $REF to $ENV"\n');
    chmodSync(join(dir, 'deploy', 'api.sh'), 0o755);
    // The script path is relative to the server's working directory, resolved when the file is loaded.
    const cwd = process.cwd();
    process.chdir(dir);
    const config = (() => {
      try {
        return loadConfig({ file: path, env: {} });
      } finally {
        process.chdir(cwd);
      }
    })();
    assert.equal(config.apps.api?.script, join(dir, 'deploy', 'api.sh'));
    const clock = new FakeClock('2026-12-25T10:00:00Z');
    // The same input as the file (startTestApp validates it again, resolving the script in `dir`).
    process.chdir(dir);
    const started = startTestApp('sqlite', {
      clock,
      config: {
        apps: {
          api: {
            provider: 'shell',
            script: './deploy/api.sh',
            environments: {
              staging: {},
              production: {
                permission: 'deploy:prod',
                approval: true,
                freeze: ['2026-12-24T00:00:00Z/2026-12-27T00:00:00Z'],
              },
            },
          },
        },
      },
    });
    const t = await started.finally(() => process.chdir(cwd));
    try {
      await t.user('alice', ['operator']);
      const alice = t.app.identity.actorFor(await t.app.identity.requireUser('alice'), 'api');
      const ask = await t.app.bot.dispatcher.execute(alice, 'deploy api');
      assert.equal(ask.outcome, 'usage');
      assert.match(ask.text, /Which environment of `api`\? `staging`, `production`/);
      const staging = await t.app.bot.dispatcher.execute(alice, 'deploy api to staging');
      assert.equal(staging.outcome, 'ok', staging.text);
      assert.match(staging.text, /deploying api main to staging/);
      const frozen = await t.app.bot.dispatcher.execute(alice, 'deploy api to production');
      assert.equal(frozen.outcome, 'denied');
      assert.match(frozen.text, /frozen until 2026-12-27T00:00:00.000Z/);
      clock.set('2027-01-04T10:00:00Z');
      const approval = await t.app.bot.dispatcher.execute(alice, 'deploy api to production');
      assert.equal(approval.outcome, 'pending');
      assert.match(approval.text, /needs approval by someone else with `deploy:prod`/);
      await eventually(
        async () => (await t.app.deploys.service.history('api', 'staging', 1))[0]?.status === 'succeeded',
      );
    } finally {
      await t.dispose();
    }
  });

  test('config check names each mistake with its YAML line', () => {
    const path = file(
      'bad.yaml',
      [
        'apps:',
        '  api:',
        '    provider: shell',
        '    defaultEnvironment: prod',
        '    environments:',
        '      staging: {}',
        '  site:',
        '    provider: github',
        '    environments: { production: {} }',
        '  cluster:',
        '    provider: kubernetes',
        '    kubernetes: { deployment: api }',
        '    environments: { production: {} }',
      ].join('\n'),
    );
    const problems = checkConfigFile(path).map((p) => `${p.path}${p.line ? `@${p.line}` : ''}: ${p.message}`);
    const text = problems.join('\n');
    assert.match(text, /apps\.api\.defaultEnvironment@4: 'prod' is not one of the environments \(staging\)/);
    assert.match(text, /the shell provider needs script/);
    assert.match(
      text,
      /apps\.site\.environments\.production.*the github provider needs repository: owner\/name/,
    );
    assert.match(text, /the github provider needs github\.token/);
    assert.match(text, /the kubernetes provider needs kubernetes\.container/);
    assert.match(text, /the kubernetes provider needs kubernetes\.image/);
  });

  test('freeze windows: ranges that end before they start and patterns that are no cron are named', () => {
    const path = file(
      'freeze.yaml',
      [
        'apps:',
        '  api:',
        '    provider: shell',
        '    script: ./x.sh',
        '    environments:',
        '      staging:',
        '        freeze: ["2026-12-27/2026-12-24", "not a cron", { cron: "0 18 * * 5", duration: "soon" }]',
        '  Bad_Name:',
        '    provider: ftp',
        '    environments: {}',
      ].join('\n'),
    );
    const text = checkConfigFile(path)
      .map((p) => `${p.path}@${p.line}: ${p.message}`)
      .join('\n');
    assert.match(
      text,
      /apps\.api\.environments\.staging\.freeze\.0@7: '2026-12-27\/2026-12-24' ends before it starts/,
    );
    assert.match(text, /apps\.api\.environments\.staging\.freeze\.1@7: cron 'not a cron'/);
    assert.match(text, /freeze\.2@7: duration 'soon' must look like 62h/);
    assert.match(text, /apps\.Bad_Name/);
  });
});
