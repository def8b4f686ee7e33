/**
 * Engine extensions the deploys domain needed: risk and locks as functions of the arguments, a
 * command's own `check` before anything is proposed or started, and `ctx.details` fields on a job card.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import type { Actor } from '../../core/actor.js';
import { defineCommand } from './command.js';

const ship = defineCommand({
  name: 'ship',
  summary: 'Ships to an environment',
  usage: ['ship {{env}}'],
  args: { env: { type: 'string', required: true } },
  permission: 'ops:read',
  risk: (args) => (args.env === 'prod' ? 'approval' : 'none'),
  locks: (args) => [`ship:${args.env === 'default' ? 'staging' : args.env}`],
  check: ({ args }) =>
    args.env === 'frozen'
      ? { outcome: 'denied', text: 'frozen' }
      : args.env === 'unknown'
        ? { outcome: 'usage', text: 'Environments: staging, prod.' }
        : undefined,
  run: (ctx) => {
    ctx.details?.([{ title: 'Target', value: ctx.args.env, short: true }]);
    return 'shipped';
  },
});

test('risk and locks may be functions of the arguments', () => {
  assert.equal(ship.riskFor({ env: 'prod' }), 'approval');
  assert.equal(ship.riskFor({ env: 'staging' }), 'none');
  assert.equal(ship.riskVaries, true);
  assert.equal(ship.risk, 'none');
  assert.deepEqual(ship.locksFor({ env: 'default' }), ['ship:staging']);
  assert.deepEqual(ship.locks, []);
});

describe('the check stage', () => {
  let t: TestApp;
  let alice: Actor;
  before(async () => {
    t = await startTestApp('sqlite');
    t.app.bot.registry.register(ship);
    await t.user('alice', ['operator']);
    alice = t.app.identity.actorFor(await t.app.identity.requireUser('alice'), 'api');
  });
  after(() => t.dispose());

  test('a check refuses (audited as denied) or answers with usage before anything runs', async () => {
    const denied = await t.app.bot.dispatcher.execute(alice, 'ship frozen');
    assert.equal(denied.outcome, 'denied');
    assert.equal(denied.text, 'frozen');
    assert.equal(denied.decision, 'denied');
    const usage = await t.app.bot.dispatcher.execute(alice, 'ship unknown');
    assert.equal(usage.outcome, 'usage');
    assert.equal(usage.text, 'Environments: staging, prod.');
    assert.equal(usage.jobId, undefined);
  });

  test('the risk of a run decides whether it is proposed; its locks come from the function', async () => {
    const staging = await t.app.bot.dispatcher.execute(alice, 'ship staging');
    assert.equal(staging.outcome, 'ok', staging.text);
    const job = await t.app.bot.jobs.get(alice, staging.jobId!);
    assert.deepEqual(job.locks, ['ship:staging']);
    const prod = await t.app.bot.dispatcher.execute(alice, 'ship prod');
    assert.equal(prod.outcome, 'pending');
    assert.match(prod.text, /needs approval/);
  });
});
