import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { CodedError, ErrorCode } from '../../core/errors.js';

export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What is stored for one secret; binary fields are base64 text so both databases store them alike. */
export interface SealedSecret {
  ciphertext: string;
  iv: string;
  authTag: string;
  /** Which key sealed it: a wrong key is then reported as such, not as corruption. */
  keyId: string;
}

/** The first 8 hex digits of sha256(key): enough to tell keys apart, useless for guessing one. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The secret was sealed with another key than the one Opsroom runs with. */
export class SecretKeyMismatchError extends CodedError {
  constructor(name: string, storedKeyId: string, currentKeyId: string) {
    super(
      ErrorCode.Config,
      `secret '${name}' was encrypted with key ${storedKeyId}, but the current key is ${currentKeyId}: ` +
        'set OPSROOM_SECRET_KEY or secrets.keyFile to the original key',
      { keyId: currentKeyId, storedKeyId },
    );
  }
}

/** The stored bytes fail GCM authentication: edited, truncated or swapped with another secret's. */
export class SecretCorruptError extends CodedError {
  constructor(name: string) {
    super(
      ErrorCode.Internal,
      `secret '${name}' cannot be decrypted: its stored ciphertext was altered or is corrupt; set it again`,
    );
  }
}

/**
 * AES-256-GCM with a random 96-bit IV per value. The secret's name is the additional authenticated
 * data, so a ciphertext copied onto another name's row fails to open instead of leaking under it.
 */
export class SecretCipher {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) {
      throw new CodedError(
        ErrorCode.Config,
        `the secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`,
      );
    }
    this.#key = Buffer.from(key);
    this.keyId = keyIdOf(key);
  }

  seal(name: string, plaintext: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      ciphertext: ciphertext.toString('base64'),
      iv: iv.toString('base64'),
      authTag: cipher.getAuthTag().toString('base64'),
      keyId: this.keyId,
    };
  }

  open(name: string, sealed: SealedSecret): string {
    if (sealed.keyId !== this.keyId) throw new SecretKeyMismatchError(name, sealed.keyId, this.keyId);
    const iv = Buffer.from(sealed.iv, 'base64');
    const tag = Buffer.from(sealed.authTag, 'base64');
    // Checked here because node would accept a shorter tag, weakening authentication.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretCorruptError(name);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([
        decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
        decipher.final(),
      ]);
      return plain.toString('utf8');
    } catch {
      throw new SecretCorruptError(name);
    }
  }
}
