import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/support/databases.js';
import { ValidationError } from '../../../core/errors.js';
import type { DialectName } from '../../../storage/database.js';
import { parseSearchQuery } from './query.js';
import {
  createSearchStore,
  type SearchHit,
  type SearchStore,
  type SearchStoreOptions,
} from './search-store.js';

const AT = '2024-05-01T00:00:00.000Z';

// Each query path meets every case: on SQLite, walking the full-text indexes and reading small
// candidate sets whole (on test data every set is small); on PostgreSQL, the recent-window pass
// alone and a tiny window that leaves most hits to the GIN pass.
interface Variant {
  dialect: DialectName;
  options: SearchStoreOptions;
  label: string;
}
const VARIANTS: Variant[] = DIALECTS.flatMap((dialect): Variant[] =>
  dialect === 'sqlite'
    ? [
        { dialect, options: { smallSet: 0 }, label: 'sqlite, index-driven' },
        { dialect, options: { smallSet: 1_000_000 }, label: 'sqlite, small sets read whole' },
      ]
    : [
        { dialect, options: {}, label: 'postgres, recent window' },
        { dialect, options: { recentWindow: 3 }, label: 'postgres, mostly GIN' },
      ],
);

for (const { dialect, options, label } of VARIANTS) {
  describe(`message search on ${label}`, () => {
    let database: TestDatabase;
    let store: SearchStore;
    let counter = 0;

    /** Inserts a message at 2024-05-01 + `day` days (+ counter ms, to keep them ordered). */
    async function post(room: string, user: string, text: string, day = 0, threadId: string | null = null) {
      counter++;
      const id = `m_${String(counter).padStart(4, '0')}`;
      const createdAt = new Date(Date.parse(AT) + day * 86_400_000 + counter).toISOString();
      await database.db
        .insertInto('messages')
        .values({
          id,
          roomId: room,
          userId: user,
          threadId,
          text,
          card: null,
          mentions: '[]',
          createdAt,
          editedAt: null,
          deletedAt: null,
        })
        .execute();
      return id;
    }

    async function ids(q: string, viewer = 'u_bob', extra: { limit?: number; beforeNum?: number } = {}) {
      const hits = await store.search({
        query: parseSearchQuery(q),
        viewerUserId: viewer,
        limit: extra.limit ?? 50,
        ...(extra.beforeNum === undefined ? {} : { beforeNum: extra.beforeNum }),
      });
      return hits.map((h) => h.messageId);
    }

    async function hits(q: string, viewer = 'u_bob'): Promise<SearchHit[]> {
      return store.search({ query: parseSearchQuery(q), viewerUserId: viewer, limit: 50 });
    }

    before(async () => {
      database = await createTestDatabase(dialect);
      store = createSearchStore(database, options);
      const db = database.db;
      const user = (id: string, username: string) => ({
        id,
        username,
        displayName: username,
        roles: '["member"]',
        passwordHash: null,
        createdAt: AT,
        updatedAt: AT,
        disabledAt: null,
      });
      await db
        .insertInto('users')
        .values([user('u_alice', 'alice'), user('u_bob', 'bob'), user('u_carol', 'carol')])
        .execute();
      const room = (id: string, name: string, kind: string, archivedAt: string | null = null) => ({
        id,
        name,
        kind,
        topic: '',
        createdBy: 'u_alice',
        createdAt: AT,
        archivedAt,
        lastSeq: 0,
      });
      await db
        .insertInto('rooms')
        .values([
          room('r_ops', 'ops', 'public'),
          room('r_secret', 'secret', 'private'),
          room('r_inc', 'inc-42', 'incident'),
          room('r_old', 'old', 'public', AT),
        ])
        .execute();
      await db
        .insertInto('roomMembers')
        .values({ roomId: 'r_secret', userId: 'u_alice', role: 'owner', joinedAt: AT })
        .execute();
    });
    after(() => database.dispose());

    test('finds whole words, word prefixes and substrings of 3+ characters', async () => {
      const deploy = await post('r_ops', 'u_alice', 'The deployment of api-gateway finished');
      const other = await post('r_ops', 'u_bob', 'Nothing to see here');
      assert.deepEqual(await ids('deployment'), [deploy]);
      assert.deepEqual(await ids('deploy'), [deploy]);
      assert.deepEqual(await ids('ployment'), [deploy]);
      assert.deepEqual(await ids('DEPLOYMENT'), [deploy], 'case-insensitive');
      assert.deepEqual(await ids('gateway finished'), [deploy], 'terms are ANDed');
      assert.deepEqual(await ids('gateway nothing'), []);
      assert.deepEqual(await ids('see'), [other]);
    });

    test('finds error codes, URL paths and identifiers with punctuation', async () => {
      const reset = await post(
        'r_ops',
        'u_alice',
        'upstream failed: E_CONN_RESET from db-17.prod.example.com',
      );
      const url = await post('r_ops', 'u_alice', 'GET /api/v2/alerts?limit=5 returned 502');
      assert.deepEqual(await ids('E_CONN_RESET'), [reset]);
      assert.deepEqual(await ids('CONN_RES'), [reset]);
      assert.deepEqual(await ids('db-17.prod'), [reset]);
      assert.deepEqual(await ids('/api/v2/alerts'), [url]);
      assert.deepEqual(await ids('alerts?limit=5'), [url]);
      assert.deepEqual(await ids('/api/v3/alerts'), []);
    });

    test('short terms match the start of a word', async () => {
      const k8s = await post('r_ops', 'u_carol', 'restarted k8s node on db-99');
      assert.deepEqual(await ids('k8'), [k8s]);
      assert.deepEqual(await ids('k8 restarted'), [k8s], 'a short and a long term together');
      assert.deepEqual(await ids('8s'), [], 'not inside a word');
    });

    test('a quoted phrase matches as written, spaces included', async () => {
      const phrase = await post('r_ops', 'u_alice', 'connection reset by peer while syncing');
      await post('r_ops', 'u_alice', 'peer reset the connection by accident');
      assert.deepEqual(await ids('"reset by peer"'), [phrase]);
      assert.deepEqual(await ids('"connection reset"'), [phrase]);
    });

    test('filters: in:, from:, before:, after:, on:', async () => {
      // Days 10, 11, 12 after 2024-05-01: 05-11, 05-12, 05-13.
      const a = await post('r_ops', 'u_alice', 'rollout canary one', 10);
      const b = await post('r_inc', 'u_bob', 'rollout canary two', 11);
      const c = await post('r_ops', 'u_bob', 'rollout canary three', 12);
      assert.deepEqual(await ids('canary'), [c, b, a], 'newest first');
      assert.deepEqual(await ids('canary in:#ops'), [c, a]);
      assert.deepEqual(await ids('canary in:inc-42'), [b]);
      assert.deepEqual(await ids('canary from:@bob'), [c, b]);
      assert.deepEqual(await ids('canary from:bob in:#ops'), [c]);
      assert.deepEqual(await ids('canary before:2024-05-13'), [b, a]);
      assert.deepEqual(await ids('canary after:2024-05-12'), [c]);
      assert.deepEqual(await ids('canary on:2024-05-12'), [b]);
      assert.deepEqual(await ids('canary after:2024-05-12T00:00:00Z before:2024-05-14'), [c, b]);
      assert.deepEqual(await ids('canary in:#nowhere'), [], 'an unknown room gives no hits');
      assert.deepEqual(await ids('canary from:@nobody'), []);
      const onlyFilters = await ids('from:@bob in:#inc-42');
      assert.deepEqual(onlyFilters, [b], 'filters alone search everything they allow');
    });

    test('time filters find messages stored out of time order', async () => {
      const x1 = await post('r_ops', 'u_alice', 'zebra one', 20); // 05-21
      const x2 = await post('r_ops', 'u_alice', 'zebra two', 22); // 05-23
      const x3 = await post('r_ops', 'u_alice', 'zebra three', 5); // 05-06, stored after later ones
      const x4 = await post('r_ops', 'u_alice', 'zebra four', 21); // 05-22, likewise
      assert.deepEqual(await ids('zebra'), [x4, x3, x2, x1]);
      assert.deepEqual(await ids('zebra before:2024-05-10'), [x3]);
      assert.deepEqual(await ids('zebra before:2024-05-23'), [x4, x3, x1]);
      assert.deepEqual(await ids('zebra after:2024-05-21'), [x4, x2]);
      assert.deepEqual(await ids('zebra on:2024-05-22'), [x4]);
      assert.deepEqual(await ids('zebra on:2024-05-06'), [x3]);
      assert.deepEqual(await ids('from:@alice on:2024-05-22'), [x4], 'filters only');
      assert.deepEqual(await ids('ze after:2024-05-05 before:2024-05-07'), [x3], 'short term');
    });

    test('short and long terms together; punctuation in short terms is ignored', async () => {
      const build = await post('r_ops', 'u_carol', 'build [K8S] passed *quickly*');
      await post('r_ops', 'u_carol', 'build ak8s passed');
      assert.deepEqual(await ids('k8 passed'), [build]);
      assert.deepEqual(await ids('passed ?q'), [build]);
      assert.deepEqual(await ids('*q'), [build]);
      assert.deepEqual(await ids('[k8s] passed'), [build], 'long terms keep every character');
      assert.deepEqual(await ids('[k8?] passed'), []);
    });

    test('private rooms are visible to members only; archived rooms to nobody', async () => {
      const secret = await post('r_secret', 'u_alice', 'the vault password rotation');
      await post('r_old', 'u_alice', 'vault rotation in an archived room');
      assert.deepEqual(await ids('vault', 'u_bob'), []);
      assert.deepEqual(await ids('vault', 'u_alice'), [secret]);
      assert.deepEqual(await ids('vault in:#secret', 'u_bob'), [], 'in: a hidden room is no way in');
      assert.deepEqual(await ids('from:@alice in:#secret', 'u_bob'), []);
      assert.deepEqual(await ids('va', 'u_bob'), [], 'short terms obey the same rules');
    });

    test('deleted messages are hidden; undeleting brings them back', async () => {
      const gone = await post('r_ops', 'u_alice', 'leaked token xq7z-temporary');
      assert.deepEqual(await ids('xq7z'), [gone]);
      await database.db.updateTable('messages').set({ deletedAt: AT }).where('id', '=', gone).execute();
      assert.deepEqual(await ids('xq7z'), []);
      assert.deepEqual(await ids('xq'), []);
      await database.db.updateTable('messages').set({ deletedAt: null }).where('id', '=', gone).execute();
      assert.deepEqual(await ids('xq7z'), [gone]);
      await database.db.deleteFrom('messages').where('id', '=', gone).execute();
      assert.deepEqual(await ids('xq7z'), []);
    });

    test('an edit is re-indexed: the new text is found, the old is not', async () => {
      const edited = await post('r_ops', 'u_alice', 'typo: databsae migration');
      assert.deepEqual(await ids('databsae'), [edited]);
      await database.db
        .updateTable('messages')
        .set({ text: 'typo fixed: database migraton zz' })
        .where('id', '=', edited)
        .execute();
      assert.deepEqual(await ids('databsae'), []);
      assert.deepEqual(await ids('migraton'), [edited]);
      assert.deepEqual(await ids('zz'), [edited]);
    });

    test('hits carry room, author and a snippet with the match in bold', async () => {
      const id = await post(
        'r_ops',
        'u_carol',
        `${'filler words '.repeat(20)}then the pager fired ERR_PAGERQUIET at night\nsecond line`,
      );
      const [hit] = await hits('pagerquiet');
      assert.ok(hit);
      assert.equal(hit.messageId, id);
      assert.equal(hit.roomId, 'r_ops');
      assert.equal(hit.roomName, 'ops');
      assert.equal(hit.userId, 'u_carol');
      assert.equal(hit.username, 'carol');
      assert.equal(hit.threadId, null);
      assert.equal(typeof hit.num, 'number');
      assert.match(hit.createdAt, /^2024-05-01T/);
      assert.match(hit.snippet, /^….*ERR_\*\*PAGERQUIET\*\* at night second line$/);
      assert.ok(hit.snippet.length <= 170, hit.snippet);
    });

    test('cursor paging with beforeNum walks all hits newest first without repeats', async () => {
      const posted: string[] = [];
      for (let i = 0; i < 7; i++) posted.push(await post('r_ops', 'u_bob', `pagination sample ${i}`));
      const seen: string[] = [];
      let cursor: number | undefined;
      for (;;) {
        const page = await store.search({
          query: parseSearchQuery('pagination'),
          viewerUserId: 'u_bob',
          limit: 3,
          ...(cursor === undefined ? {} : { beforeNum: cursor }),
        });
        if (page.length === 0) break;
        seen.push(...page.map((h) => h.messageId));
        cursor = page[page.length - 1]!.num;
      }
      assert.deepEqual(seen, posted.reverse());
    });

    test('FTS syntax and LIKE wildcards in terms are plain text', async () => {
      const odd = await post('r_ops', 'u_alice', 'disk at 100% on node_7 (NEAR limit) col:value');
      await post('r_ops', 'u_alice', 'disk at 1000 on nodeX7');
      assert.deepEqual(await ids('100%'), [odd]);
      assert.deepEqual(await ids('node_7'), [odd]);
      assert.deepEqual(await ids('(NEAR'), [odd]);
      assert.deepEqual(await ids('"col:value"'), [odd]);
      assert.deepEqual(await ids("it's"), []);
    });

    test('limit is checked', async () => {
      const query = parseSearchQuery('anything');
      await assert.rejects(store.search({ query, viewerUserId: 'u_bob', limit: 0 }), ValidationError);
      await assert.rejects(store.search({ query, viewerUserId: 'u_bob', limit: 101 }), ValidationError);
      await assert.rejects(
        store.search({ query, viewerUserId: 'u_bob', limit: 5, beforeNum: -1 }),
        ValidationError,
      );
    });
  });
}
