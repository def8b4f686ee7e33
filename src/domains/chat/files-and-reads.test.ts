import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { attachmentDisposition, sanitizeFileName } from './file-name.js';
import { FileBlobStore } from './file-store.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function blobs(dir: string): string[] {
  const root = join(dir, 'files');
  return readdirSync(root).flatMap((d) => (d === 'tmp' ? [] : readdirSync(join(root, d))));
}

test('file names are reduced to one safe line of text', () => {
  assert.equal(sanitizeFileName('../../etc/passwd'), 'passwd');
  assert.equal(sanitizeFileName('C:\\Users\\me\\report.pdf'), 'report.pdf');
  assert.equal(sanitizeFileName('a\u0000b\nc\u202eexe.txt'), 'abcexe.txt');
  assert.equal(sanitizeFileName('  ..  '), 'file');
  assert.equal(sanitizeFileName('<img src=x onerror=alert(1)>.png'), '<img src=x onerror=alert(1)>.png');
  const long = sanitizeFileName(`${'x'.repeat(500)}.tar.gz`);
  assert.equal(long.length, 200);
  assert.ok(long.endsWith('.gz'));
  const header = attachmentDisposition('naïve "quote".txt');
  assert.equal(
    header,
    `attachment; filename="na_ve _quote_.txt"; filename*=UTF-8''na%C3%AFve%20%22quote%22.txt`,
  );
});

test('a stream past the limit is refused mid-way and leaves nothing on disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-blobs-'));
  try {
    const store = new FileBlobStore(dir);
    // No Content-Length to check up front (a chunked upload): the limit is enforced while writing.
    const chunks = Readable.from([Buffer.alloc(600, 1), Buffer.alloc(600, 2)]);
    await assert.rejects(store.write(chunks, 1000), { code: 'E_PAYLOAD_TOO_LARGE' });
    assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
    const ok = await store.write(Readable.from([Buffer.from('abc')]), 1000);
    assert.equal(ok.size, 3);
    assert.equal(ok.sha256, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const dialect of DIALECTS) {
  describe(`files and read markers on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let dataDir: string;
    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'opsroom-files-'));
      t = await startTestApp(dialect, { config: { storage: { dataDir }, chat: { maxFileBytes: 4096 } } });
      alice = await t.user('alice');
      bob = await t.user('bob');
      carol = await t.user('carol');
      await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: 'ops', members: ['bob'] },
      });
      await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: 'secret', kind: 'private', members: ['bob'] },
      });
    });
    after(async () => {
      await t.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const upload = (as: TestUser, room: string, query: string, payload: Buffer | string, type?: string) =>
      t.request({
        method: 'POST',
        url: `/api/rooms/${room}/files?${query}`,
        as,
        payload,
        headers: type ? { 'content-type': type } : {},
      });

    test('an upload posts a message with the file; download is an attachment, never HTML', async () => {
      const name = encodeURIComponent('../<img src=x onerror=alert(1)>.html');
      const res = await upload(alice, 'ops', `name=${name}`, '<script>alert(1)</script>', 'text/html');
      assert.equal(res.statusCode, 201, res.body);
      const message = res.json();
      const [file] = message.files;
      assert.equal(file.name, '<img src=x onerror=alert(1)>.html');
      assert.equal(file.size, 25);
      assert.equal(file.contentType, 'text/html');
      assert.equal(message.text, file.name, 'the name is the text, so search finds it');

      const history = (await t.request({ method: 'GET', url: '/api/rooms/ops/messages', as: bob })).json();
      assert.deepEqual(history.messages.at(-1).files, [file]);

      const down = await t.request({ method: 'GET', url: `/api/files/${file.id}`, as: bob });
      assert.equal(down.statusCode, 200);
      assert.equal(down.body, '<script>alert(1)</script>');
      assert.equal(down.headers['content-type'], 'application/octet-stream');
      assert.match(String(down.headers['content-disposition']), /^attachment; filename="<img src=x/);
      assert.equal(down.headers['x-content-type-options'], 'nosniff');
      assert.match(String(down.headers['content-security-policy']), /sandbox/);

      const meta = await t.request({ method: 'GET', url: `/api/files/${file.id}/meta`, as: bob });
      assert.equal(meta.json().messageId, message.id);

      const withFiles = await t.request({ method: 'GET', url: '/api/search?q=has:file', as: bob });
      assert.equal(withFiles.statusCode, 200, withFiles.body);
      assert.ok(withFiles.json().hits.length >= 1);
      assert.ok(withFiles.json().hits.every((h: { messageId: string }) => h.messageId === message.id));
      const badHas = await t.request({ method: 'GET', url: '/api/search?q=has:link', as: bob });
      assert.equal(badHas.statusCode, 400);
      const hits = await t.request({
        method: 'GET',
        url: `/api/search?q=${encodeURIComponent('onerror')}`,
        as: bob,
      });
      assert.ok(hits.json().hits.some((h: { messageId: string }) => h.messageId === message.id));
    });

    test('images keep their type; a caption and a thread; the same bytes are stored once', async () => {
      const root = (
        await t.request({
          method: 'POST',
          url: '/api/rooms/ops/messages',
          as: bob,
          payload: { text: 'logs?' },
        })
      ).json();
      const before = blobs(dataDir).length;
      const a = await upload(alice, 'ops', `name=dot.png&threadId=${root.id}&text=here`, PNG, 'image/png');
      assert.equal(a.statusCode, 201, a.body);
      assert.equal(a.json().threadId, root.id);
      assert.equal(a.json().text, 'here');
      const b = await upload(bob, 'ops', 'name=copy.png', PNG, 'image/png');
      assert.equal(b.statusCode, 201, b.body);
      assert.equal(blobs(dataDir).length, before + 1);
      const down = await t.request({ method: 'GET', url: `/api/files/${a.json().files[0].id}`, as: bob });
      assert.equal(down.headers['content-type'], 'image/png');
      assert.deepEqual(down.rawPayload, PNG);
      // A .json file is bytes, not a JSON body.
      const json = await upload(alice, 'ops', 'name=data.json', '{"not":"parsed"', 'application/json');
      assert.equal(json.statusCode, 201, json.body);
      assert.equal(json.json().files[0].size, 15);
    });

    test('too large, no name, no access: coded errors, nothing kept', async () => {
      const before = blobs(dataDir).length;
      const big = await upload(
        alice,
        'ops',
        'name=big.bin',
        Buffer.alloc(5000, 1),
        'application/octet-stream',
      );
      assert.equal(big.statusCode, 413, big.body);
      assert.equal(big.json().error.code, 'E_PAYLOAD_TOO_LARGE');
      assert.equal(blobs(dataDir).length, before);
      assert.deepEqual(readdirSync(join(dataDir, 'files', 'tmp')), []);

      // Over real HTTP, chunked (no Content-Length): the 413 still arrives as an answer.
      const base = await t.listen();
      const chunked = await fetch(`${base}/api/rooms/ops/files?name=big.bin`, {
        method: 'POST',
        headers: { ...alice.auth, 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(Readable.from([Buffer.alloc(3000, 1), Buffer.alloc(3000, 2)])) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(chunked.status, 413);
      assert.equal(((await chunked.json()) as { error: { code: string } }).error.code, 'E_PAYLOAD_TOO_LARGE');
      assert.equal(blobs(dataDir).length, before);

      const noName = await upload(alice, 'ops', '', 'x', 'text/plain');
      assert.equal(noName.statusCode, 400);
      assert.equal(noName.json().error.code, 'E_VALIDATION');

      const denied = await upload(carol, 'secret', 'name=a.txt', 'x', 'text/plain');
      assert.equal(denied.statusCode, 403);
      const unauth = await t.request({ method: 'POST', url: '/api/rooms/ops/files?name=a', payload: 'x' });
      assert.equal(unauth.statusCode, 401);

      const hidden = await upload(alice, 'secret', 'name=plan.txt', 'plan', 'text/plain');
      const id = hidden.json().files[0].id;
      const other = await t.request({ method: 'GET', url: `/api/files/${id}`, as: carol });
      assert.equal(other.statusCode, 404);
      assert.equal((await t.request({ method: 'GET', url: '/api/files/f_nope', as: bob })).statusCode, 404);

      await t.request({ method: 'DELETE', url: `/api/messages/${hidden.json().id}`, as: alice });
      assert.equal((await t.request({ method: 'GET', url: `/api/files/${id}`, as: bob })).statusCode, 404);
    });

    test("a room's pins, without deleted messages", async () => {
      await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: 'pins', members: ['bob'] },
      });
      const ids: string[] = [];
      for (const text of ['runbook', 'dashboard', 'gone'])
        ids.push(
          (
            await t.request({ method: 'POST', url: '/api/rooms/pins/messages', as: alice, payload: { text } })
          ).json().id,
        );
      for (const id of [ids[1], ids[0], ids[2]])
        assert.equal(
          (await t.request({ method: 'PUT', url: `/api/messages/${id}/pin`, as: bob })).statusCode,
          200,
        );
      await t.request({ method: 'DELETE', url: `/api/messages/${ids[2]}`, as: alice });
      const res = await t.request({ method: 'GET', url: '/api/rooms/pins/pins', as: bob });
      assert.equal(res.statusCode, 200, res.body);
      // Pins made within one millisecond have no order between them: compare as a set.
      assert.deepEqual(
        res
          .json()
          .messages.map((m: { text: string }) => m.text)
          .sort(),
        ['dashboard', 'runbook'],
      );
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/rooms/secret/pins', as: carol })).statusCode,
        403,
      );
    });

    test('read markers: unread and mention counts per room, forward only', async () => {
      await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: alice,
        payload: { name: 'reads', members: ['bob'] },
      });
      const post = async (as: TestUser, text: string) =>
        (await t.request({ method: 'POST', url: '/api/rooms/reads/messages', as, payload: { text } })).json();
      const first = await post(alice, 'one');
      await post(alice, 'two @bob');
      await post(bob, 'mine does not count');
      await post(alice, 'three @here');
      const unreads = async (as: TestUser) =>
        (await t.request({ method: 'GET', url: '/api/me/unreads', as }))
          .json()
          .rooms.find((r: { name: string }) => r.name === 'reads');
      const start = await unreads(bob);
      assert.equal(start.unread, 3);
      assert.equal(start.mentions, 2);
      assert.equal(start.lastReadSeq, 0);

      const marked = await t.request({
        method: 'PUT',
        url: '/api/rooms/reads/read',
        as: bob,
        payload: { seq: first.seq },
      });
      assert.equal(marked.statusCode, 200, marked.body);
      assert.equal(marked.json().unread, 2);
      assert.equal(marked.json().mentions, 2);

      const all = await t.request({
        method: 'PUT',
        url: '/api/rooms/reads/read',
        as: bob,
        payload: { seq: 1_000_000 },
      });
      assert.equal(all.json().unread, 0);
      assert.equal(all.json().lastReadSeq, all.json().lastSeq, 'capped at the room head');
      const back = await t.request({
        method: 'PUT',
        url: '/api/rooms/reads/read',
        as: bob,
        payload: { seq: 1 },
      });
      assert.equal(back.json().unread, 0, 'a marker never moves back');

      await post(alice, 'four');
      assert.equal((await unreads(bob)).unread, 1);
      assert.equal((await unreads(alice)).unread, 1, "alice has not read bob's message");
      assert.equal(await unreads(carol), undefined, 'only rooms you are in');

      const bad = await t.request({
        method: 'PUT',
        url: '/api/rooms/reads/read',
        as: bob,
        payload: { seq: -1 },
      });
      assert.equal(bad.statusCode, 400);
      const denied = await t.request({
        method: 'PUT',
        url: '/api/rooms/secret/read',
        as: carol,
        payload: { seq: 1 },
      });
      assert.equal(denied.statusCode, 403);
    });
  });
}
