import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../../test/support/app.js';

let t: TestApp;
let dir: string;
const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsroom-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><div id="root"></div><script src="/assets/app-Ab12.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app-Ab12.js'), script);
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  t = await startTestApp('sqlite', { config: { server: { webDir: dir } } });
});
after(async () => {
  await t.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the app shell at / and at client routes, with the strict CSP and no sign-in', async () => {
  for (const url of ['/', '/setup?token=abc', '/r/ops', '/admin/users', '/index.html']) {
    const res = await t.request({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.match(res.body, /<div id="root">/, url);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    for (const part of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "connect-src 'self' ws: wss:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ])
      assert.ok(csp.includes(part), `${url}: ${part}`);
    assert.ok(!csp.includes('unsafe-inline'));
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cache-control'], 'no-cache');
  }
});

test('hashed assets are cached for a year and gzipped when asked', async () => {
  const res = await t.request({
    method: 'GET',
    url: '/assets/app-Ab12.js',
    headers: { 'accept-encoding': 'gzip, br' },
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(res.headers['content-encoding'], 'gzip');
  assert.match(String(res.headers['content-type']), /^text\/javascript/);
  assert.equal(gunzipSync(res.rawPayload).toString(), script);
  const plain = await t.request({ method: 'GET', url: '/assets/app-Ab12.js' });
  assert.equal(plain.body, script);
  const icon = await t.request({ method: 'GET', url: '/favicon.svg' });
  assert.equal(icon.headers['cache-control'], 'no-cache');
});

test('missing assets and unknown API paths are 404s, never the page; the API still answers', async () => {
  for (const url of ['/assets/app-old.js', '/api/nope', '/robots.txt', '/../../etc/hosts.txt']) {
    const res = await t.request({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    assert.doesNotMatch(res.body, /<div id="root">/, url);
  }
  // Only files read from the app folder at start are served: a path outside it is at most the shell.
  assert.doesNotMatch((await t.request({ method: 'GET', url: '/%2e%2e/%2e%2e/etc/passwd' })).body, /root:/);
  assert.equal((await t.request({ method: 'GET', url: '/api/me' })).statusCode, 401);
  assert.equal((await t.request({ method: 'GET', url: '/healthz' })).statusCode, 200);
});
