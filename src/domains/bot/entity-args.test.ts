import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineCommand } from './command.js';
import { type EntityLookup, entityStage, knownEntities } from './entity-args.js';
import { type BotReply, isPending, type Run } from './pipeline.js';

function recordingLookup(existing: Set<string>, asked: string[]): EntityLookup {
  return {
    userExists: async (name) => {
      asked.push(`user:${name}`);
      return existing.has(name);
    },
    roomExists: async (name) => {
      asked.push(`room:${name}`);
      return existing.has(name);
    },
  };
}

describe('knownEntities', () => {
  test('remembers names that exist, asks again for names that did not', async () => {
    const asked: string[] = [];
    const existing = new Set(['alice', 'ops']);
    const lookup = knownEntities(recordingLookup(existing, asked));
    assert.equal(await lookup.userExists('alice'), true);
    assert.equal(await lookup.userExists('alice'), true);
    assert.equal(await lookup.userExists('bob'), false);
    existing.add('bob');
    assert.equal(await lookup.userExists('bob'), true, 'a miss is never cached: bob was created since');
    assert.equal(await lookup.roomExists('ops'), true);
    assert.equal(await lookup.roomExists('alice'), true, 'users and rooms are remembered apart');
    assert.deepEqual(asked, ['user:alice', 'user:bob', 'user:bob', 'room:ops', 'room:alice']);
  });

  test('known: true only for names already seen to exist, by kind, without asking', async () => {
    const asked: string[] = [];
    const lookup = knownEntities(recordingLookup(new Set(['alice', 'ops']), asked));
    assert.equal(lookup.known?.('user', 'alice'), false, 'not seen yet');
    await lookup.userExists('alice');
    await lookup.userExists('nobody');
    assert.equal(lookup.known?.('user', 'alice'), true);
    assert.equal(lookup.known?.('room', 'alice'), false);
    assert.equal(lookup.known?.('user', 'nobody'), false);
    assert.deepEqual(asked, ['user:alice', 'user:nobody']);
  });
});

describe('entityStage', () => {
  const page = defineCommand({
    name: 'page',
    summary: 'Pages someone in a room',
    usage: ['page {{who}} [in {{room}}]'],
    args: { who: { type: 'user', required: true }, room: { type: 'room' } },
    permission: 'ops:page',
    run: () => 'paged',
  });
  const ran: BotReply = { outcome: 'ok', command: 'page', text: 'paged' };
  const runOf = (args: Record<string, string>): Run => ({
    actor: { userId: 'u1', username: 'alice', roles: ['member'], channel: 'web' },
    line: 'page …',
    where: {},
    parsed: { kind: 'ok', command: page, args, extra: {}, patternIndex: 0, defaulted: [] },
  });

  test('names known to exist pass at once: no lookup, no promise', async () => {
    const asked: string[] = [];
    const lookup = knownEntities(recordingLookup(new Set(['bob', 'ops']), asked));
    const stage = entityStage(lookup);
    const first = stage(runOf({ who: 'bob', room: 'ops' }), () => ran);
    assert.ok(isPending(first), 'the first time, the names are looked up');
    assert.deepEqual(await first, ran);
    assert.deepEqual(asked, ['user:bob', 'room:ops']);
    const again = stage(runOf({ who: 'bob', room: 'ops' }), () => ran);
    assert.equal(isPending(again), false);
    assert.deepEqual(again, ran);
    assert.deepEqual(asked, ['user:bob', 'room:ops'], 'nothing asked the second time');
    // An absent optional #room is no reason to ask.
    assert.deepEqual(
      stage(runOf({ who: 'bob' }), () => ran),
      ran,
    );
  });

  test('a name not known is asked about; one that does not exist gets a usage reply', async () => {
    const asked: string[] = [];
    const existing = new Set(['bob']);
    const stage = entityStage(knownEntities(recordingLookup(existing, asked)));
    const reply = await stage(runOf({ who: 'carol' }), () => ran);
    assert.equal(reply.outcome, 'usage');
    assert.match(reply.text, /there is no user @carol/);
    existing.add('carol');
    assert.deepEqual(await stage(runOf({ who: 'carol' }), () => ran), ran, 'carol exists now');
    assert.deepEqual(asked, ['user:carol', 'user:carol']);
  });

  test('a lookup without `known` is asked every time', async () => {
    const asked: string[] = [];
    const stage = entityStage(recordingLookup(new Set(['bob']), asked));
    assert.deepEqual(await stage(runOf({ who: 'bob' }), () => ran), ran);
    assert.deepEqual(await stage(runOf({ who: 'bob' }), () => ran), ran);
    assert.deepEqual(asked, ['user:bob', 'user:bob']);
  });
});
