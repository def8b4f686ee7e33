import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../api/types.js';
import { compactAfter, INITIAL, MAX, windowBounds } from './message-window.js';

const ids = Array.from({ length: 10_000 }, (_, i) => `m${i}`);

test('a new room shows its newest messages', () => {
  assert.deepEqual(windowBounds(ids, { first: undefined }), [10_000 - INITIAL, 10_000]);
  assert.deepEqual(windowBounds(ids.slice(0, 10), { first: undefined }), [0, 10]);
});

test('a pinned window holds at most MAX messages from its first, taking in new ones below while there is room', () => {
  assert.deepEqual(windowBounds(ids, { first: 'm100' }), [100, 100 + MAX]);
  assert.deepEqual(windowBounds(ids, { first: 'm9900' }), [9900, 10_000]);
  assert.deepEqual(windowBounds([...ids, 'new'], { first: 'm9900' }), [9900, 10_001]);
});

test('a window named by its first id stays on the same messages when older pages are prepended', () => {
  const older = [...Array.from({ length: 100 }, (_, i) => `old${i}`), ...ids];
  assert.deepEqual(windowBounds(older, { first: 'm500' }), [600, 600 + MAX]);
  assert.deepEqual(windowBounds(older, { first: 'gone' }), [10_100 - INITIAL, 10_100]);
});

test('messages group under one header only for the same author, day and five minutes, without cards', () => {
  const m = (id: string, userId: string, createdAt: string, card = false): Message => ({
    id,
    roomId: 'r',
    userId,
    username: userId,
    threadId: null,
    text: 'x',
    card: card ? { title: 'c' } : null,
    mentions: [],
    createdAt,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    pinned: false,
    replyCount: 0,
  });
  const first = m('1', 'alice', '2026-03-01T10:00:00Z');
  assert.equal(compactAfter(first, m('2', 'alice', '2026-03-01T10:04:00Z')), true);
  assert.equal(compactAfter(first, m('3', 'alice', '2026-03-01T10:06:00Z')), false);
  assert.equal(compactAfter(first, m('4', 'bob', '2026-03-01T10:01:00Z')), false);
  assert.equal(compactAfter(first, m('5', 'alice', '2026-03-01T10:01:00Z', true)), false);
  assert.equal(compactAfter(undefined, first), false);
});
