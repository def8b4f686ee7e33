import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { ownTransactions } from '../../storage/group-commit.js';
import { commitWith } from './staged-message.js';

// Posts and edits staged by a component that writes them in its own transaction: they commit or roll
// back with it, and the room hears of them only after its commit.
for (const dialect of DIALECTS) {
  describe(`staged messages (${dialect})`, () => {
    let t: TestApp;
    const heard: string[] = [];

    before(async () => {
      t = await startTestApp(dialect);
      await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'staged', kind: 'public' });
      t.app.bus.subscribe('message.created', (e) => void heard.push(`created ${e.payload.data.text}`));
      t.app.bus.subscribe('message.updated', (e) => void heard.push(`updated ${e.payload.data.text}`));
    });
    after(() => t.dispose());

    const texts = async () =>
      (await t.app.chat.messages.history(SYSTEM_ACTOR, 'staged', { limit: 50 })).map((m) => m.text);

    it('rolled back with the caller: no row, no event', async () => {
      const staged = await t.app.chat.messages.stagePost(SYSTEM_ACTOR, 'staged', { text: 'never' });
      await assert.rejects(
        t.app.database.db.transaction().execute(async (trx) => {
          await staged.write(trx);
          throw new Error('the caller fails after the post');
        }),
        /the caller fails/,
      );
      assert.deepEqual(await texts(), []);
      assert.deepEqual(heard, []);
    });

    it('committed with the caller: stored, then published once, in order', async () => {
      const first = await t.app.chat.messages.post(SYSTEM_ACTOR, 'staged', { text: 'one' });
      heard.length = 0;
      const post = await t.app.chat.messages.stagePost(SYSTEM_ACTOR, 'staged', { text: 'two' });
      const edit = await t.app.chat.messages.stageEdit(SYSTEM_ACTOR, first.id, { text: 'one, edited' });
      assert.throws(() => post.publish(), /not written/);
      const seen = await commitWith(ownTransactions(t.app.database.db), [post, edit], async () => {
        // Inside the transaction nothing is published yet.
        return [...heard];
      });
      assert.deepEqual(seen, []);
      assert.deepEqual(heard, ['created two', 'updated one, edited']);
      assert.deepEqual(await texts(), ['one, edited', 'two']);
      assert.equal((await t.app.chat.messages.get(SYSTEM_ACTOR, post.message.id)).id, post.message.id);
      assert.throws(() => post.publish(), /published/);
      await assert.rejects(
        t.app.database.db.transaction().execute((trx) => post.write(trx)),
        /written|published/,
      );
    });

    if (dialect === 'sqlite') {
      it('the SQLite statements refuse to run outside a transaction (they would commit alone)', async () => {
        const staged = await t.app.chat.messages.stagePost(SYSTEM_ACTOR, 'staged', { text: 'alone' });
        await assert.rejects(staged.write(t.app.database.db as never), /needs an open transaction/);
        assert.ok(!(await texts()).includes('alone'));
      });
    }
  });
}
