import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from './logger.js';

test('log lines pass through the redactor and credentials in headers are censored', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('info', (line) => line.replaceAll('s3cr3t-value', '[redacted:X]'), sink);
  logger.info(
    { detail: 'token s3cr3t-value used', req: { headers: { authorization: 'Bearer abc' } } },
    'hello',
  );
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('s3cr3t-value'));
  assert.match(lines[0]!, /\[redacted:X\]/);
  assert.ok(!lines[0]!.includes('Bearer abc'));
});
