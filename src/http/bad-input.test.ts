import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../test/support/app.js';

describe('bad input is answered with a 4xx and a stable code, never a 500', () => {
  let t: TestApp;
  let alice: TestUser;
  before(async () => {
    t = await startTestApp('sqlite', {
      config: { server: { bodyLimitBytes: 64 * 1024 }, chat: { maxMessageLength: 1000 } },
    });
    alice = await t.user('alice');
    await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
  });
  after(() => t.dispose());

  const post = (payload: string | Buffer | object, headers: Record<string, string> = {}) =>
    t.request({
      method: 'POST',
      url: '/api/rooms/ops/messages',
      as: alice,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
    });

  const cases: [string, () => ReturnType<typeof post>, number, string][] = [
    ['malformed JSON', () => post('{"text": "hi"'), 400, 'E_BAD_JSON'],
    ['unknown field', () => post({ text: 'hi', colour: 'red' }), 400, 'E_VALIDATION'],
    ['wrong type', () => post({ text: 42 }), 400, 'E_VALIDATION'],
    ['empty text', () => post({ text: '   ' }), 400, 'E_VALIDATION'],
    ['text over the limit', () => post({ text: 'x'.repeat(1001) }), 400, 'E_VALIDATION'],
    ['body over the limit', () => post({ text: 'x'.repeat(70 * 1024) }), 413, 'E_PAYLOAD_TOO_LARGE'],
    ['NUL in text', () => post({ text: 'a\u0000b' }), 400, 'E_VALIDATION'],
    ['lone surrogate', () => post('{"text":"\\ud800"}'), 400, 'E_VALIDATION'],
    [
      'invalid UTF-8',
      () => post(Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
      400,
      'E_BAD_JSON',
    ],
    [
      'not JSON content type',
      () => post('text=hi', { 'content-type': 'text/plain' }),
      415,
      'E_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['thread in another room', () => post({ text: 'x', threadId: 'm_missing' }), 400, 'E_VALIDATION'],
    ['array instead of object', () => post('[1,2]'), 400, 'E_VALIDATION'],
  ];
  for (const [name, send, status, code] of cases) {
    test(name, async () => {
      const res = await send();
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().error.code, code);
      assert.ok(res.json().error.message.length > 0);
    });
  }

  test('room names with control characters or odd symbols are refused', async () => {
    for (const name of ['bad\u0007name', 'x y', '', 'a'.repeat(81), '../etc']) {
      const res = await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name } });
      assert.equal(res.statusCode, 400, `${JSON.stringify(name)}: ${res.body}`);
      assert.equal(res.json().error.code, 'E_VALIDATION');
    }
  });

  test('unknown rooms and messages are 404 with a code', async () => {
    const room = await t.request({ method: 'GET', url: '/api/rooms/nowhere/messages', as: alice });
    assert.equal(room.statusCode, 404);
    assert.equal(room.json().error.code, 'E_NOT_FOUND');
    const route = await t.request({ method: 'GET', url: '/api/nothing-here', as: alice });
    assert.equal(route.statusCode, 404);
  });

  test('bad query parameters are a 400', async () => {
    const res = await t.request({ method: 'GET', url: '/api/rooms/ops/messages?limit=abc', as: alice });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'E_VALIDATION');
  });

  test('nothing rejected was stored', async () => {
    const res = await t.request({ method: 'GET', url: '/api/rooms/ops/messages', as: alice });
    assert.deepEqual(res.json().messages, []);
  });
});
