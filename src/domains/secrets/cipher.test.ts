import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { keyIdOf, SecretCipher, SecretCorruptError, SecretKeyMismatchError } from './cipher.js';

describe('SecretCipher', () => {
  const cipher = new SecretCipher(randomBytes(32));

  test('round-trips text, including non-ASCII and empty values, with a fresh IV each time', () => {
    for (const value of ['hunter2!', 'ключ 🔑', '', 'x'.repeat(70_000)]) {
      const sealed = cipher.seal('NAME', value);
      assert.equal(cipher.open('NAME', sealed), value);
    }
    const a = cipher.seal('NAME', 'same value');
    const b = cipher.seal('NAME', 'same value');
    assert.notEqual(a.iv, b.iv);
    assert.notEqual(a.ciphertext, b.ciphertext);
    assert.equal(Buffer.from(a.iv, 'base64').length, 12);
    assert.equal(Buffer.from(a.authTag, 'base64').length, 16);
    assert.ok(!a.ciphertext.includes(Buffer.from('same value').toString('base64')));
  });

  test('a changed ciphertext, tag or IV is refused with a clear error', () => {
    const sealed = cipher.seal('DB_PASSWORD', 'correct horse battery');
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[0] = bytes[0]! ^ 1;
    const flipped = { ...sealed, ciphertext: bytes.toString('base64') };
    assert.throws(() => cipher.open('DB_PASSWORD', flipped), SecretCorruptError);
    assert.throws(() => cipher.open('DB_PASSWORD', flipped), /DB_PASSWORD.*altered or is corrupt/);
    const otherTag = cipher.seal('DB_PASSWORD', 'correct horse battery').authTag;
    assert.throws(() => cipher.open('DB_PASSWORD', { ...sealed, authTag: otherTag }), SecretCorruptError);
    const shortTag = Buffer.from(sealed.authTag, 'base64').subarray(0, 4).toString('base64');
    assert.throws(() => cipher.open('DB_PASSWORD', { ...sealed, authTag: shortTag }), SecretCorruptError);
    assert.throws(() => cipher.open('DB_PASSWORD', { ...sealed, iv: 'AAAA' }), SecretCorruptError);
  });

  test("a ciphertext moved to another secret's name does not open", () => {
    const sealed = cipher.seal('A_TOKEN', 'value-of-a');
    assert.throws(() => cipher.open('B_TOKEN', sealed), SecretCorruptError);
  });

  test('another key is reported as a key mismatch with both key ids', () => {
    const other = new SecretCipher(randomBytes(32));
    const sealed = cipher.seal('API_KEY', 'abcdefgh');
    assert.throws(
      () => other.open('API_KEY', sealed),
      (error: unknown) =>
        error instanceof SecretKeyMismatchError &&
        error.message.includes(cipher.keyId) &&
        error.message.includes(other.keyId) &&
        error.message.includes('OPSROOM_SECRET_KEY'),
    );
    // Even with a forged key id, the other key cannot open it.
    assert.throws(() => other.open('API_KEY', { ...sealed, keyId: other.keyId }), SecretCorruptError);
  });

  test('the key id is 8 hex digits of sha256(key); keys must be 32 bytes', () => {
    const key = Buffer.alloc(32, 7);
    assert.match(keyIdOf(key), /^[0-9a-f]{8}$/);
    assert.equal(new SecretCipher(key).keyId, keyIdOf(key));
    assert.throws(() => new SecretCipher(Buffer.alloc(16)), /must be 32 bytes, got 16/);
  });
});
