import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildSnippet, SNIPPET_LENGTH } from './snippet.js';

const sub = (text: string) => ({ text, wordPrefix: false });
const prefix = (text: string) => ({ text, wordPrefix: true });

describe('buildSnippet', () => {
  test('a short message is shown whole, every match in bold, case kept', () => {
    assert.equal(
      buildSnippet('GET /api/v2/alerts failed: e_conn_reset\n\nretrying', [
        sub('E_CONN_RESET'),
        sub('/api/v2/'),
      ]),
      'GET **/api/v2/**alerts failed: **e_conn_reset** retrying',
    );
  });

  test('overlapping matches merge into one bold run', () => {
    assert.equal(buildSnippet('deployment done', [sub('deploy'), sub('ployment')]), '**deployment** done');
  });

  test('a prefix term is marked only at the start of a word', () => {
    assert.equal(buildSnippet('db-17 and mydb and DBA', [prefix('db')]), '**db**-17 and mydb and **DB**A');
  });

  test('a late match is shown with the text before it, cut at a word, and ellipsised', () => {
    const text = `${'lorem ipsum '.repeat(30)}the E_CONN_RESET happened ${'dolor sit '.repeat(30)}`;
    const snippet = buildSnippet(text, [sub('conn_reset')]);
    assert.match(snippet, /^…\S.* the E_\*\*CONN_RESET\*\* happened .*…$/);
    assert.ok(snippet.length <= SNIPPET_LENGTH + 6, `${snippet.length}: ${snippet}`);
    assert.doesNotMatch(snippet, /^… /);
  });

  test('an early match keeps the start and cuts the end', () => {
    const snippet = buildSnippet(`alert fired ${'x '.repeat(200)}`, [sub('alert')]);
    assert.match(snippet, /^\*\*alert\*\* fired x x .*…$/);
  });

  test('a match longer than the snippet is kept whole; what follows is cut', () => {
    const long = 'a'.repeat(200);
    assert.equal(buildSnippet(`start ${long} end`, [sub(long)]), `start **${long}**…`);
  });

  test('without a match the start of the message is shown', () => {
    assert.equal(buildSnippet('Ça marche', [prefix('ca')]), 'Ça marche');
  });

  test('never splits an emoji', () => {
    const text = `${'🔥'.repeat(100)} boom ${'🔥'.repeat(100)}`;
    const snippet = buildSnippet(text, [sub('boom')]);
    assert.doesNotMatch(snippet, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    assert.match(snippet, /\*\*boom\*\*/);
  });
});
