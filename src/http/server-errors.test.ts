import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { startTestApp } from '../../test/support/app.js';

test('a 5xx carries an error id that is in the log with the cause', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const t = await startTestApp('sqlite', { logger: pino({ level: 'error' }, sink) });
  try {
    // Break the database underneath the running app: every query now fails.
    t.database.sqlite!.close();
    const res = await t.request({ method: 'GET', url: '/api/rooms', as: t.admin });
    assert.equal(res.statusCode, 500);
    const body = res.json();
    assert.equal(body.error.code, 'E_INTERNAL');
    assert.equal(body.error.message, 'Internal error');
    assert.ok(!res.body.includes('database connection is not open'), 'internals stay out of the answer');
    assert.match(body.error.errorId, /^req_/);
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.errorId === body.error.errorId);
    assert.ok(logged, 'the error id is in the log');
    assert.match(JSON.stringify(logged.err), /not open/);
    const ready = await t.request({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
  } finally {
    await t.app.http.close();
  }
});
