import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeOf } from '../core/errors.js';
import type { RoomEventFrame, SearchHitView } from './client.js';
import { clean, closest, eventLine, hitLine } from './format.js';
import { errorFromResponse } from './http-client.js';
import { redactTokens } from './index.js';
import { table } from './io.js';

test('tables align columns and leave the last one unpadded', () => {
  assert.equal(
    table(
      ['NAME', 'KIND', 'TOPIC'],
      [
        ['#ops', 'public', 'operations'],
        ['#incident-42', 'incident', ''],
      ],
    ),
    ['NAME          KIND      TOPIC', '#ops          public    operations', '#incident-42  incident'].join(
      '\n',
    ),
  );
});

test('text from others cannot send escape sequences to the terminal', () => {
  assert.equal(clean('ok\u001b[2J\u0007 done\nnext\tcol'), 'ok[2J done\nnext\tcol');
});

test('event lines: HH:MM:SS #room @user: text', () => {
  const frame = (event: string, data: unknown): RoomEventFrame => ({
    type: 'event',
    event,
    roomId: 'r_1',
    seq: 3,
    at: '2024-05-01T12:34:56.000Z',
    data,
  });
  const message = { username: 'alice', text: 'two\nlines', card: null, threadId: null };
  assert.match(
    eventLine(frame('message.created', message), 'ops')!,
    /^\d\d:\d\d:\d\d #ops @alice: two\n {4}lines$/,
  );
  assert.match(
    eventLine(frame('message.created', { ...message, text: '', card: { title: 'Deploy' } }), 'ops')!,
    /@alice: \[card\] Deploy$/,
  );
  assert.match(eventLine(frame('member.joined', { username: 'bob' }), 'ops')!, /#ops \* @bob joined$/);
  assert.equal(eventLine(frame('reaction.added', { username: 'bob' }), 'ops'), undefined);
});

test('search hits: one line, matches bold on a terminal only', () => {
  const hit: SearchHitView = {
    messageId: 'm_1',
    roomId: 'r_1',
    roomName: 'ops',
    username: 'alice',
    createdAt: '2024-05-01T12:34:56.000Z',
    snippet: 'error **E42** in\n**api**',
  };
  assert.match(hitLine(hit), /^\d{4}-\d\d-\d\d \d\d:\d\d #ops @alice: error E42 in api$/);
  assert.ok(hitLine(hit, true).includes('error \u001b[1mE42\u001b[22m in'));
});

test('did you mean: typos and swapped letters', () => {
  assert.equal(closest('admn', ['admin', 'member']), 'admin');
  assert.equal(closest('wirte', ['read', 'write', 'admin']), 'write');
  assert.equal(closest('banana', ['read', 'write', 'admin']), undefined);
});

test('HTTP errors map to exit codes by status', () => {
  const body = (code: string) => ({ error: { code, message: 'm' } });
  assert.equal(exitCodeOf(errorFromResponse(401, body('E_UNAUTHENTICATED')).code), 3);
  assert.equal(exitCodeOf(errorFromResponse(403, undefined).code), 3);
  assert.equal(exitCodeOf(errorFromResponse(400, body('E_VALIDATION')).code), 2);
  assert.equal(exitCodeOf(errorFromResponse(400, '<html>proxy</html>').code), 2);
  assert.equal(exitCodeOf(errorFromResponse(404, body('E_NOT_FOUND')).code), 1);
  assert.equal(exitCodeOf(errorFromResponse(502, undefined).code), 1);
  const withId = errorFromResponse(500, {
    error: { code: 'E_INTERNAL', message: 'Internal error', errorId: 'x1' },
  });
  assert.equal(withId.details?.errorId, 'x1');
});

test('tokens are redacted from anything printed as an error', () => {
  assert.equal(redactTokens("unknown command 'opr_AbCdEf123_-xyz'"), "unknown command 'opr_…'");
});
