import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { ValidationError } from '../../core/errors.js';
import { type CardAlert, type CardGroup, renderGroupCard } from '../alerts/card.js';
import type { GroupStatus } from '../alerts/table.js';
import { type Card, cardSchema } from '../chat/schema.js';
import { botMessages, isCanonicalCard } from './bot-messages.js';

const group = (status: GroupStatus, over: Partial<CardGroup> = {}): CardGroup => ({
  id: 7,
  status,
  severity: 'critical',
  alertname: 'DiskFull',
  labels: { alertname: 'DiskFull', job: 'node' },
  sourceKind: 'alertmanager',
  groupKey: 'alertname="DiskFull"@r1',
  createdAt: '2026-12-01T10:00:00.000Z',
  resolvedAt: status === 'resolved' ? '2026-12-01T11:00:00.000Z' : null,
  ackedBy: status === 'acked' ? 'alice' : null,
  mutedUntilResolved: false,
  flapping: false,
  silencedBy: status === 'silenced' ? 3 : undefined,
  ...over,
});
const alert = (i: number, over: Partial<CardAlert> = {}): CardAlert => ({
  id: i,
  status: 'firing',
  severity: 'critical',
  labels: { alertname: 'DiskFull', job: 'node', instance: `10.0.0.${i}:9100` },
  annotations: { summary: 'Disk is filling up', runbook_url: 'https://runbooks.example/disk' },
  startsAt: '2026-12-01T10:00:00.000Z',
  generatorUrl: 'http://prometheus.example/graph',
  muted: null,
  ...over,
});

const ok: Card = {
  title: 'Job #1 deploy',
  text: 'line one\n\tline two',
  color: '#a0b1C2',
  fields: [{ title: 'Status', value: 'running', short: true }],
  code: { language: 'shell', content: 'echo hi\r\n' },
  buttons: [{ actionId: 'job.cancel', label: 'Cancel', style: 'danger', value: '1' }],
  footer: 'jobs',
};
/** Cards the schema refuses or would change (trim, lower-case, drop a key): never "canonical". */
const notCanonical: [string, unknown][] = [
  ['no title', { text: 'x' }],
  ['title padded', { ...ok, title: ' Job ' }],
  ['title with a newline', { ...ok, title: 'Job\n1' }],
  ['title with a C1 control', { ...ok, title: 'Job\u0085' }],
  ['title too long', { ...ok, title: 'x'.repeat(201) }],
  ['text with NUL', { ...ok, text: 'a\u0000b' }],
  ['text with a lone surrogate', { ...ok, text: 'a\ud800b' }],
  ['text too long', { ...ok, text: 'x'.repeat(4001) }],
  ['unknown key', { ...ok, extra: 1 }],
  ['bad colour', { ...ok, color: 'red' }],
  ['26 fields', { ...ok, fields: Array.from({ length: 26 }, () => ({ title: 't', value: 'v' })) }],
  ['field value too long', { ...ok, fields: [{ title: 't', value: 'x'.repeat(1001) }] }],
  ['field short not boolean', { ...ok, fields: [{ title: 't', value: 'v', short: 1 }] }],
  ['field with an unknown key', { ...ok, fields: [{ title: 't', value: 'v', color: 'x' }] }],
  ['code without content', { ...ok, code: { language: 'sh' } }],
  ['code language empty', { ...ok, code: { language: '', content: 'x' } }],
  ['upper-case actionId', { ...ok, buttons: [{ actionId: 'Job.cancel', label: 'Cancel' }] }],
  ['actionId padded', { ...ok, buttons: [{ actionId: ' job.cancel', label: 'Cancel' }] }],
  ['button style unknown', { ...ok, buttons: [{ actionId: 'a', label: 'A', style: 'huge' }] }],
  ['11 buttons', { ...ok, buttons: Array.from({ length: 11 }, () => ({ actionId: 'a', label: 'A' })) }],
  ['an array', [ok]],
  ['a class instance', Object.assign(new (class Box {})(), ok)],
  ['null', null],
];

describe('isCanonicalCard', () => {
  test('every alert card the renderer makes passes, and the schema returns it unchanged', () => {
    const statuses: GroupStatus[] = ['firing', 'acked', 'silenced', 'inhibited', 'resolved'];
    const alerts = [alert(1), alert(2, { status: 'resolved' }), alert(3, { muted: 'silence:3' })];
    for (const status of statuses) {
      for (const over of [{}, { mutedUntilResolved: true, flapping: true }, { sourceKind: 'generic' }]) {
        const card = renderGroupCard(group(status, over), alerts, Date.parse('2026-12-01T10:30:00Z'));
        assert.equal(isCanonicalCard(card), true, `${status} ${JSON.stringify(over)}`);
        assert.deepEqual(cardSchema.parse(card), card);
      }
    }
    // Senders' text with control characters and lone surrogates: the renderer cleans it.
    const dirty = alert(1, { annotations: { summary: 'a\u0000b\ud800', description: 'x\u0007' } });
    const card = renderGroupCard(group('firing', { alertname: 'Disk\nFull' }), [dirty], Date.now());
    assert.equal(isCanonicalCard(card), true);
    assert.deepEqual(cardSchema.parse(card), card);
  });

  test('a card with every part passes; the schema returns it unchanged', () => {
    assert.equal(isCanonicalCard(ok), true);
    assert.deepEqual(cardSchema.parse(ok), ok);
  });

  test('anything the schema refuses or would change is not canonical', () => {
    for (const [name, card] of notCanonical) {
      assert.equal(isCanonicalCard(card), false, name);
      const parsed = cardSchema.safeParse(card);
      if (parsed.success) assert.notDeepEqual(parsed.data, card, `${name}: the schema changes it`);
    }
    // The schema keeps a key holding undefined; the check leaves such a card to it all the same.
    assert.equal(isCanonicalCard({ ...ok, footer: undefined }), false);
  });
});

describe('the bot posting cards (sqlite)', () => {
  let t: TestApp;
  let bot: ReturnType<typeof botMessages>;
  let roomId: string;
  before(async () => {
    t = await startTestApp('sqlite');
    const alice = await t.user('alice');
    const res = await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
    roomId = res.json().id;
    const user = await t.app.identity.createUser(SYSTEM_ACTOR, { username: 'cardbot', roles: ['member'] });
    bot = botMessages(t.app.chat, {
      userId: user.id,
      username: 'cardbot',
      roles: ['member'],
      channel: 'system',
    });
  });
  after(() => t.dispose());

  const stored = async (id: string) => (await t.app.chat.messages.get(SYSTEM_ACTOR, id)).card;

  test('a canonical card is stored as given; in a thread too; an update replaces it', async () => {
    const id = await bot.post({ roomId }, ok);
    assert.deepEqual(await stored(id), ok);
    const reply = await bot.post({ roomId, threadId: id }, { title: 'In the thread' });
    assert.deepEqual(await stored(reply), { title: 'In the thread' });
    await bot.update(id, { ...ok, title: 'Job #1 done' });
    assert.deepEqual(await stored(id), { ...ok, title: 'Job #1 done' });
  });

  test('other cards still go through the schema: cleaned, or refused', async () => {
    const id = await bot.post({ roomId }, { ...ok, title: '  Padded  ' });
    assert.equal((await stored(id))?.title, 'Padded');
    await assert.rejects(bot.post({ roomId }, { ...ok, text: 'a\u0000b' }), ValidationError);
    await assert.rejects(bot.update(id, { ...ok, title: 'x'.repeat(201) }), ValidationError);
    // A thread id the schema refuses is refused, card canonical or not.
    await assert.rejects(bot.post({ roomId, threadId: 'm'.repeat(65) }, ok), ValidationError);
  });
});
