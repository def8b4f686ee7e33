import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FakeClock, SystemClock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import { parseCommandLine } from '../../domains/bot/parser.js';
import { CommandRegistry } from '../../domains/bot/registry.js';
import { type ActionDeps, type LoadedAction, loadAction } from './load-action.js';
import { recordingContext, tempDir, waitUntil, writeAction } from './testing.js';

const SECRETS: Record<string, string> = { API_TOKEN: 's3cr3t/t0ken+value' };
const deps: ActionDeps = {
  clock: new SystemClock(),
  serverEnv: {},
  renderSecrets: async (text, options = {}) =>
    text.replace(/\{\{\s*secret\.([A-Z0-9_]+)\s*\}\}/g, (_, name: string) => {
      const value = SECRETS[name];
      if (value === undefined) throw new ValidationError(`unknown secret '${name}'`);
      return (options.encode ?? ((v: string) => v))(value);
    }),
};

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('HTTP actions against a local server', () => {
  const root = tempDir();
  const seen: Seen[] = [];
  const hits = new Map<string, number>();
  const held: ServerResponse[] = [];
  let server: Server;
  let base: string;
  let n = 0;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const hit = (hits.get(path) ?? 0) + 1;
        hits.set(path, hit);
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (path.startsWith('/items/')) return json(200, { items: [{ name: 'first' }, { name: 'second' }] });
        if (path === '/flaky') return hit <= 2 ? json(500, { error: 'boom' }) : json(200, { state: 'fine' });
        if (path === '/once') return hit === 1 ? json(502, {}) : json(200, { state: 'back' });
        if (path === '/down') return json(503, { error: 'maintenance until later' });
        if (path === '/missing') {
          res.writeHead(404, { 'content-type': 'text/plain' });
          return res.end(`no such thing here ${'x'.repeat(500)}`);
        }
        if (path === '/echo') return json(201, { got: JSON.parse(body) });
        if (path === '/big') return json(200, { blob: 'y'.repeat(4096) });
        if (path === '/slow') return void held.push(res);
        json(404, {});
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** An HTTP action named `name`, in a folder of its own. */
  function action(name: string, lines: string[]): LoadedAction {
    const folder = writeAction(
      root,
      `h${++n}`,
      [`name: ${name}`, 'permission: ops:read', ...lines].join('\n'),
    );
    const result = loadAction(folder, deps);
    assert.ok(result.ok, result.ok ? '' : result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    assert.equal(result.action.kind, 'http');
    return result.action;
  }

  function start(loaded: LoadedAction, line: string) {
    const registry = new CommandRegistry();
    registry.register(loaded.command);
    const parsed = parseCommandLine(`${loaded.name} ${line}`.trim(), registry, { nowMs: Date.now() });
    if (parsed.kind !== 'ok') throw new Error(`did not parse: ${JSON.stringify(parsed)}`);
    const recorded = recordingContext(parsed.args as never);
    const done = Promise.resolve(loaded.command.run(recorded.ctx as never));
    return { done, ...recorded };
  }

  const run = async (loaded: LoadedAction, line: string) => {
    const started = start(loaded, line);
    return { result: (await started.done) as { ok: boolean; text?: string }, output: started.output() };
  };

  test('URL-encoded arguments, a secret header, and a reply picked from the JSON', async () => {
    const loaded = action('item', [
      'summary: Look an item up',
      'usage: "item {{id}} [{{q}}]"',
      'params: { id: string, q: string }',
      'http:',
      `  url: "${base}/items/{{id}}?q={{q}}&token={{ secret.API_TOKEN }}"`,
      '  headers:',
      '    Authorization: "Bearer {{ secret.API_TOKEN }}"',
      '  reply: "{{ response.status }}: {{ response.body.items.1.name }} for {{ args.id }} {{ response.body.__proto__ }}"',
    ]);
    const before = seen.length;
    const { result } = await run(loaded, '"a b/c?d&e" "x=1#y"');
    assert.deepEqual(result, { ok: true, text: '200: second for a b/c?d&e ' });
    const request = seen[before]!;
    assert.equal(request.method, 'GET');
    assert.equal(request.url, '/items/a%20b%2Fc%3Fd%26e?q=x%3D1%23y&token=s3cr3t%2Ft0ken%2Bvalue');
    assert.equal(request.headers.authorization, 'Bearer s3cr3t/t0ken+value');
  });

  test('a JSON body template keeps argument types and fills secrets', async () => {
    const loaded = action('post', [
      'summary: Post',
      'usage: "post {{name}} {{count}}"',
      'params: { name: string, count: integer }',
      'http:',
      '  method: post',
      `  url: "${base}/echo"`,
      '  body: { name: "{{name}}", count: "{{count}}", note: "n={{name}}", token: "{{ secret.API_TOKEN }}", list: [1, "{{count}}"] }',
      '  reply: "{{ response.body.got }}"',
    ]);
    const before = seen.length;
    const { result } = await run(loaded, 'api 3');
    assert.equal(result.ok, true);
    const sent = JSON.parse(seen[before]!.body);
    assert.deepEqual(sent, { name: 'api', count: 3, note: 'n=api', token: SECRETS.API_TOKEN, list: [1, 3] });
    assert.equal(seen[before]!.headers['content-type'], 'application/json');
    assert.equal(seen[before]!.method, 'POST');
    assert.equal(result.text, JSON.stringify(sent));
  });

  test('a 5xx is retried with backoff until it succeeds', async () => {
    const loaded = action('flaky', [
      'summary: Flaky',
      'http:',
      `  url: "${base}/flaky"`,
      '  retries: 3',
      '  backoff: 10ms',
      '  reply: "state {{ response.body.state }}"',
    ]);
    const { result, output } = await run(loaded, '');
    assert.deepEqual(result, { ok: true, text: 'state fine' });
    assert.equal(hits.get('/flaky'), 3);
    assert.match(output, /attempt 1 of 4: HTTP 500 Internal Server Error; retrying in 10 ms/);
    assert.match(output, /attempt 2 of 4: HTTP 500 Internal Server Error; retrying in 20 ms/);
  });

  test('the backoff waits on the injected clock, so a long backoff costs a test no time', async () => {
    const clock = new FakeClock();
    const folder = writeAction(
      root,
      'fake-clock',
      [
        'name: once',
        'summary: Once',
        'permission: ops:read',
        'http:',
        `  url: "${base}/once"`,
        '  backoff: 5m',
        '  reply: "{{ response.body.state }}"',
      ].join('\n'),
    );
    const loaded = loadAction(folder, { ...deps, clock });
    assert.ok(loaded.ok);
    const started = start(loaded.action, '');
    await waitUntil('the retry to be scheduled', () => started.output().includes('retrying in 300000 ms'));
    assert.equal(hits.get('/once'), 1);
    await clock.advanceAsync(300_000);
    assert.deepEqual(await started.done, { ok: true, text: 'back' });
    assert.equal(hits.get('/once'), 2);
  });

  test('when retries run out, the last 5xx is the failure', async () => {
    const loaded = action('down', [
      'summary: Down',
      'http:',
      `  url: "${base}/down"`,
      '  retries: 1',
      '  backoff: 5ms',
    ]);
    const { result } = await run(loaded, '');
    assert.deepEqual(result, {
      ok: false,
      text: 'HTTP 503 Service Unavailable: {"error":"maintenance until later"}',
    });
    assert.equal(hits.get('/down'), 2);
  });

  test('a 4xx fails at once with the status and a short excerpt of the body', async () => {
    const loaded = action('missing', [
      'summary: Missing',
      'http:',
      `  url: "${base}/missing"`,
      '  backoff: 5ms',
    ]);
    const { result } = await run(loaded, '');
    assert.equal(result.ok, false);
    assert.match(String(result.text), /^HTTP 404 Not Found: no such thing here x+…$/);
    assert.ok(String(result.text).length < 260);
    assert.equal(hits.get('/missing'), 1, 'a 4xx is not retried');
  });

  test('an attempt that takes too long times out, and is retried', async () => {
    const loaded = action('slow', [
      'summary: Slow',
      'http:',
      `  url: "${base}/slow"`,
      '  timeout: 200ms',
      '  retries: 1',
      '  backoff: 5ms',
    ]);
    const { result, output } = await run(loaded, '');
    assert.deepEqual(result, { ok: false, text: 'GET failed: no answer within 200 ms' });
    assert.equal(hits.get('/slow'), 2);
    assert.match(output, /attempt 1 of 2: no answer within 200 ms/);
  });

  test('cancelling stops the request', async () => {
    const loaded = action('slow', [
      'summary: Slow',
      'http:',
      `  url: "${base}/slow"`,
      '  timeout: 1h',
      '  retries: 0',
    ]);
    const before = hits.get('/slow') ?? 0;
    const started = start(loaded, '');
    await waitUntil('the request to arrive', () => (hits.get('/slow') ?? 0) > before);
    started.controller.abort({ kind: 'cancel', by: 'bob' });
    assert.deepEqual(await started.done, { ok: false, text: 'stopped (cancelled by @bob)' });
  });

  test('a response over the size cap is refused; a network error is reported', async () => {
    const big = action('big', ['summary: Big', 'maxOutput: 1KB', 'http:', `  url: "${base}/big"`]);
    assert.deepEqual((await run(big, '')).result, {
      ok: false,
      text: 'GET failed: the response is larger than 1 KiB',
    });
    const port = await closedPort();
    const closed = action('closed', [
      'summary: Closed',
      'http:',
      `  url: "http://127.0.0.1:${port}/"`,
      '  retries: 0',
    ]);
    const { result } = await run(closed, '');
    assert.equal(result.ok, false);
    assert.match(String(result.text), /^GET failed: request failed: ECONNREFUSED/);
  });

  test('"." and ".." cannot climb the URL path; without a reply template the status is the reply', async () => {
    const loaded = action('x', [
      'summary: Item',
      'usage: "x {{id}}"',
      'params: { id: string }',
      'http:',
      `  url: "${base}/items/{{id}}"`,
    ]);
    await assert.rejects(run(loaded, '..'), /'\.\.' cannot be used in a URL/);
    assert.deepEqual((await run(loaded, 'ok')).result, { ok: true, text: 'HTTP 200 OK' });
  });
});
