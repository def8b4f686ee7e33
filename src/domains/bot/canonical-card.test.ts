import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { cardSchema } from '../chat/schema.js';
import { isCanonicalCard } from './bot-messages.js';

// `isCanonicalCard` writes chat's `cardSchema` out by hand (a card the bot posts skips the schema when
// it passes). Should the two drift apart, a card the schema refuses or would change could be stored
// as is. This test draws thousands of cards, near every limit and with every kind of flaw, and checks
// the one promise the hand-written check makes: when it says yes, the schema accepts the card and
// gives it back unchanged.

const PIECES = [
  'Disk',
  ' ',
  '  padded  ',
  '\n',
  '\t',
  '\r',
  '\u0000',
  '\u0007',
  '\u007f',
  '\u0085',
  '\ud800',
  '🔥',
  'é',
  'x'.repeat(40),
  '',
];

function draw(next: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const chance = (p: number) => next() < p;
  /** Mostly clean text, sometimes with a flaw, sometimes right at or past `max`. */
  const text = (max: number): unknown => {
    if (chance(0.03)) return pick([42, null, undefined, true, ['x'], {}]);
    if (chance(0.1)) return 'y'.repeat(max + pick([-1, 0, 1]));
    let out = chance(0.7) ? 'Value' : '';
    for (let i = 0; i < (chance(0.3) ? 3 : 0); i++) out += pick(PIECES);
    return out;
  };
  const handle = (): unknown =>
    pick([
      'job.cancel',
      'alert.ack',
      'a',
      'Job.cancel',
      ' a',
      'a b',
      '-a',
      'a'.repeat(64),
      'a'.repeat(65),
      '',
      7,
    ]);
  const maybe = (p: number, value: () => unknown) => (chance(p) ? value() : undefined);
  const object = (entries: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entries)) if (v !== undefined || chance(0.02)) out[k] = v;
    if (chance(0.02)) out[pick(['extra', 'colour', 'url'])] = 'x';
    return out;
  };
  const list = (max: number, item: () => unknown): unknown =>
    chance(0.03)
      ? 'not a list'
      : Array.from({ length: chance(0.05) ? max + 1 : Math.floor(next() * 4) }, item);
  return object({
    title: text(200),
    text: maybe(0.5, () => text(4000)),
    color: maybe(0.5, () =>
      pick(['good', 'warning', 'danger', 'info', 'neutral', '#a1B2c3', '#abc', 'red', 'GOOD']),
    ),
    fields: maybe(0.5, () =>
      list(25, () =>
        object({ title: text(100), value: text(1000), short: maybe(0.5, () => pick([true, false, 1])) }),
      ),
    ),
    code: maybe(0.3, () => object({ language: maybe(0.5, () => text(40)), content: text(20_000) })),
    buttons: maybe(0.5, () =>
      list(10, () =>
        object({
          actionId: handle(),
          label: text(60),
          style: maybe(0.4, () => pick(['default', 'primary', 'danger', 'huge'])),
          value: maybe(0.4, () => text(500)),
        }),
      ),
    ),
    footer: maybe(0.4, () => text(300)),
  });
}

describe('isCanonicalCard against cardSchema', () => {
  test('whenever the check says yes, the schema accepts the card and returns it unchanged', () => {
    let canonical = 0;
    let refused = 0;
    for (let seed = 1; seed <= 5000; seed++) {
      const card = draw(seededRandom(seed));
      if (!isCanonicalCard(card)) {
        if (!cardSchema.safeParse(card).success) refused++;
        continue;
      }
      canonical++;
      const parsed = cardSchema.safeParse(card);
      assert.ok(parsed.success, `seed ${seed}: the schema refuses ${JSON.stringify(card)}`);
      assert.deepEqual(parsed.data, card, `seed ${seed}: the schema changes the card`);
    }
    // The draw covers both sides, or the test would prove nothing.
    assert.ok(canonical > 500, `only ${canonical} canonical cards drawn`);
    assert.ok(refused > 500, `only ${refused} refused cards drawn`);
  });
});
