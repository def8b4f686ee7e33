import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alertmanagerFixture } from '../../../../test/support/fixtures.js';
import { FakeClock } from '../../../core/clock.js';
import { IdGenerator } from '../../../core/ids.js';
import { cardSchema } from '../../chat/schema.js';
import { mrkdwnToMarkdown, safeText } from './mrkdwn.js';
import { cardColor, parseSlackMessage, renderSlackCard } from './render.js';
import { messageIdOfTs, tsOfMessageId } from './ts.js';

const fixture = (name: string) => JSON.parse(alertmanagerFixture(name));

/** A string a browser could read as an HTML tag. */
const TAG = /<[A-Za-z/!?]/;

describe('Slack message → card', () => {
  test("Alertmanager 0.25's slack_configs bodies (attachments only) become valid cards", () => {
    const firing = renderSlackCard(parseSlackMessage(fixture('am025-slack-firing.json')));
    assert.equal(firing.title, '[FIRING:1] DiskFull slacky (critical)');
    assert.equal(firing.color, 'danger');
    assert.match(
      firing.text ?? '',
      /\[Open in source\]\(http:\/\/127\.0\.0\.1:19093\/#\/alerts\?receiver=slack\)/,
    );
    assert.equal(firing.footer, 'via Alertmanager');
    cardSchema.parse(firing);
    const resolved = renderSlackCard(parseSlackMessage(fixture('am025-slack-resolved.json')));
    assert.equal(resolved.title, '[RESOLVED] DiskFull slacky (critical)');
    assert.equal(resolved.color, 'good');
  });

  test('legacy attachments: colour, title and link, pretext, fields, footer and ts', () => {
    const card = renderSlackCard({
      text: 'Build <https://ci.example/1|#1> *failed*',
      attachments: [
        {
          color: '#36a64f',
          pretext: 'Optional pretext',
          title: 'api / main',
          title_link: 'https://ci.example/1',
          text: 'step ~test~ failed',
          fields: [
            { title: 'Branch', value: 'main', short: true },
            { title: 'Commit', value: '<https://git.example/abc|abc>', short: true },
          ],
          footer: 'CI',
          ts: 1764495427,
        },
        { color: 'warning', title: 'second', text: 'more' },
      ],
    });
    assert.equal(card.title, 'api / main');
    assert.equal(card.color, '#36a64f');
    assert.equal(
      card.text,
      [
        'Build [#1](https://ci.example/1) **failed**',
        'Optional pretext',
        '[Open in source](https://ci.example/1)',
        'step ~~test~~ failed',
        '**second**',
        'more',
      ].join('\n\n'),
    );
    assert.deepEqual(card.fields, [
      { title: 'Branch', value: 'main', short: true },
      { title: 'Commit', value: '[abc](https://git.example/abc)', short: true },
    ]);
    assert.equal(card.footer, 'CI · 2025-11-30 09:37 UTC');
    cardSchema.parse(card);
  });

  test('Block Kit: header, section text and fields, context, divider, image, actions, unknown blocks', () => {
    const card = renderSlackCard({
      text: 'fallback only',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Disk almost full' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*db-1* is at 97% <!here>' },
          fields: [
            { type: 'mrkdwn', text: '*Host:*\ndb-1' },
            { type: 'plain_text', text: 'Severity\ncritical' },
          ],
          accessory: {
            type: 'button',
            text: { type: 'plain_text', text: 'Graph' },
            url: 'https://grafana.example/d/1',
          },
        },
        { type: 'divider' },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'from *prometheus*' },
            { type: 'plain_text', text: 'eu-1' },
          ],
        },
        { type: 'image', image_url: 'https://img.example/p.png', alt_text: 'usage graph' },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: 'https://rb.example/disk' },
          ],
        },
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'Hello ' },
                { type: 'text', text: 'world' },
              ],
            },
          ],
        },
        { type: 'video', title: { type: 'plain_text', text: 'Walkthrough' }, video_url: 'https://v.example' },
      ],
    });
    assert.equal(card.title, 'Disk almost full');
    assert.equal(
      card.text,
      [
        '**db-1** is at 97% @here',
        '[Graph](https://grafana.example/d/1)',
        '---',
        '[usage graph](https://img.example/p.png)',
        '[Runbook](https://rb.example/disk)',
        'Hello world',
        'Walkthrough',
      ].join('\n\n'),
    );
    assert.deepEqual(card.fields, [
      { title: 'Host', value: 'db-1', short: true },
      { title: 'Severity', value: 'critical', short: true },
    ]);
    assert.equal(card.footer, 'from **prometheus** · eu-1');
    cardSchema.parse(card);
  });

  test('text only: the first line is the title; no text at all is no_text', () => {
    assert.deepEqual(renderSlackCard({ text: 'Deployed api\nto production' }), {
      title: 'Deployed api',
      text: 'to production',
    });
    assert.throws(() => parseSlackMessage({ text: '  ' }), /no_text/);
    assert.throws(() => parseSlackMessage({ blocks: 'nope' }), /invalid_payload: blocks/);
    assert.throws(() => parseSlackMessage([1, 2]), /invalid_payload/);
  });

  test('no HTML passes through, whatever the sender tries', () => {
    const nasty = [
      '<script>alert(1)</script>',
      '&lt;img src=x onerror=alert(1)&gt;',
      '<img src=x onerror=alert(1)>',
      '<javascript:alert(1)|click me>',
      '[x](javascript:alert(1))',
      '<!-- hidden --><b>bold</b>',
      '&amp;lt;script&amp;gt;',
      'a\u0000b\u001bc\ud800',
    ];
    const card = renderSlackCard({
      text: nasty.join('\n'),
      attachments: [
        {
          title: '<b>title</b>',
          pretext: nasty[1],
          fields: [{ title: '<i>f</i>', value: nasty[0] }],
          footer: nasty[2],
        },
      ],
      blocks: [
        { type: 'section', text: { type: 'plain_text', text: nasty[1] } },
        { type: 'weird', text: nasty[0] },
      ],
    });
    const all = JSON.stringify(card);
    assert.doesNotMatch(all, TAG);
    assert.doesNotMatch(all, /javascript:/i);
    assert.ok(!(card.text ?? '').includes('\u0000') && !(card.text ?? '').includes('\u001b'));
    assert.equal(
      mrkdwnToMarkdown('<javascript:alert(1)|click me>'),
      'click me',
      'a refused link keeps its label',
    );
    cardSchema.parse(card);
    for (const text of nasty) assert.doesNotMatch(mrkdwnToMarkdown(text), TAG);
    assert.equal(safeText('x < 5 and y<3'), 'x < 5 and y<3');
  });

  test('limits: titles, text, fields and footers are cut to what a card holds', () => {
    const long = 'x'.repeat(10_000);
    const card = renderSlackCard({
      attachments: [
        {
          title: long,
          text: long,
          footer: long,
          fields: Array.from({ length: 40 }, (_, i) => ({ title: `${i}${long}`, value: long })),
        },
      ],
    });
    cardSchema.parse(card);
    assert.equal(card.title.length, 200);
    assert.equal(card.fields?.length, 25);
  });

  test('colours Slack accepts', () => {
    assert.equal(cardColor('good'), 'good');
    assert.equal(cardColor('DANGER'), 'danger');
    assert.equal(cardColor('#ABC'), '#aabbcc');
    assert.equal(cardColor('439FE0'), '#439fe0');
    assert.equal(cardColor('red'), undefined);
    assert.equal(cardColor(12), undefined);
  });
});

describe('Slack ts ↔ message id', () => {
  test('round-trips, looks like a Slack ts and sorts by time', () => {
    const clock = new FakeClock(new Date('2026-11-30T09:37:07.123Z'));
    const ids = new IdGenerator(clock);
    const first = ids.next('m_');
    clock.advance(1500);
    const second = ids.next('m_');
    const ts1 = tsOfMessageId(first);
    const ts2 = tsOfMessageId(second);
    assert.match(ts1, /^1796031427\.123\d{25}$/);
    assert.equal(messageIdOfTs(ts1), first);
    assert.equal(messageIdOfTs(ts2), second);
    assert.ok(Number(ts2) > Number(ts1));
    assert.equal(messageIdOfTs('1503435956.000247'), undefined);
    assert.equal(messageIdOfTs('nope'), undefined);
    assert.equal(messageIdOfTs(`1.000${'9'.repeat(25)}`), undefined, 'more than 80 bits of randomness');
  });
});
