import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Actor } from '../../core/actor.js';
import { argsJson, commandAuditEntry } from './audit-trail.js';
import type { Run } from './pipeline.js';

const alice: Actor = { userId: 'u_alice', username: 'alice', roles: ['operator'], channel: 'web' };

function run(args: Record<string, unknown> | undefined, actor: Actor = alice): Run {
  return {
    actor,
    line: 'deploy api',
    where: { roomId: 'r_ops' },
    ...(args === undefined ? {} : { parsed: { args } as unknown as NonNullable<Run['parsed']> }),
  };
}

/** What the args were always recorded as. */
const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('command audit entries', () => {
  test('argsJson gives exactly the JSON round trip of the parsed arguments, as a copy', () => {
    const cases: Record<string, unknown>[] = [
      {},
      { app: 'api', env: 'prod', force: true, count: 3 },
      { for: 3_600_000, at: new Date('2026-03-04T05:06:07.089Z') },
      { bad: new Date(Number.NaN), nan: Number.NaN, inf: Number.NEGATIVE_INFINITY, zero: -0 },
      { gone: undefined, kept: 'x' },
      { nested: { b: [1, undefined, () => 1] }, list: ['a'] },
      JSON.parse('{"__proto__": "sneaky", "a": 1}') as Record<string, unknown>,
      { when: Object.assign(new Date(0), { toJSON: () => 'custom' }) },
    ];
    for (const args of cases) {
      const json = argsJson(run(args));
      assert.deepStrictEqual(json, roundTrip(args), JSON.stringify(args));
      assert.notEqual(json, args, 'a copy');
    }
    assert.equal(argsJson(run(undefined)), null);
  });

  test('the entry names the actor, the line and the outcome; a run-as names who asked', () => {
    const plain = commandAuditEntry(run({ app: 'api' }), { outcome: 'ok', command: 'deploy', text: '' });
    assert.deepEqual(plain, {
      actor: 'alice',
      actorId: 'u_alice',
      channel: 'web',
      action: 'command.run',
      decision: 'allowed',
      decidedBy: null,
      roomId: 'r_ops',
      commandLine: 'deploy api',
      args: { app: 'api' },
      jobId: null,
      outcome: 'ok',
    });
    const via = { ...alice, via: { userId: 'u_root', username: 'root' } };
    const asAlice = commandAuditEntry(run({}, via), {
      outcome: 'denied',
      text: '',
      jobId: 7,
    } as never);
    assert.equal(asAlice.decision, 'denied');
    assert.equal(asAlice.jobId, '7');
    assert.equal(asAlice.outcome, 'started');
    assert.deepEqual(asAlice.detail, { via: 'root', viaId: 'u_root' });
  });
});
