import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileAddressing } from './addressing.js';

const addressed = compileAddressing({ name: 'opsbot', aliases: ['ops'], prefixes: ['!', '/'] });

test('the bot is addressed by mention, name, alias or prefix', () => {
  assert.equal(addressed('@opsbot deploy api', false), 'deploy api');
  assert.equal(addressed('opsbot: ping', false), 'ping');
  assert.equal(addressed('OpsBot, help deploy', false), 'help deploy');
  assert.equal(addressed('@ops whoami', false), 'whoami');
  assert.equal(addressed('!ping', false), 'ping');
  assert.equal(addressed('  /help', false), 'help');
});

test('ordinary messages are left alone', () => {
  assert.equal(addressed('deploy api please', false), undefined);
  assert.equal(addressed('/api/v2/alerts is down', false), undefined);
  assert.equal(addressed('opsbotics is a word', false), undefined);
  assert.equal(addressed('! nothing', false), undefined);
  assert.equal(addressed('email opsbot@example.com', false), undefined);
});

test('in a direct conversation no prefix is needed', () => {
  assert.equal(addressed('ping', true), 'ping');
  assert.equal(addressed('!ping', true), 'ping');
});
