import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../../test/support/app.js';

let t: TestApp;
before(async () => {
  // No web app here: these are the pages served until `dist/web` is built.
  t = await startTestApp('sqlite', { config: { server: { webDir: '/nonexistent/web' } } });
});
after(() => t.dispose());

test('the landing and setup pages are served without sign-in, with a strict CSP', async () => {
  for (const url of ['/', '/setup', '/pages/setup.js', '/pages/pages.css']) {
    const res = await t.request({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
  }
  const setup = await t.request({ method: 'GET', url: '/setup?token=abc' });
  assert.match(setup.body, /<form id="setup">/);
  assert.match(String(setup.headers['content-type']), /text\/html/);
});
