import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CodedError, ErrorCode, NotFoundError } from '../../core/errors.js';

/**
 * File contents on disk, addressed by sha256: `<dir>/ab/abcdef…`. The same content uploaded twice is
 * stored once. Writes go to `<dir>/tmp/` first and are renamed into place only when complete, so a
 * half-written upload is never served.
 */
export class FileBlobStore {
  constructor(private readonly dir: string) {}

  /** Streams `body` to disk, hashing it; refuses it (and keeps nothing) past `maxBytes`. */
  async write(body: Readable, maxBytes: number): Promise<{ sha256: string; size: number }> {
    await mkdir(join(this.dir, 'tmp'), { recursive: true });
    const temp = join(this.dir, 'tmp', randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(temp, { mode: 0o600 });
    try {
      // Not `pipeline`: on an error it would destroy the request, and with it the socket the 413 is
      // sent on. The rest of a refused body is left unread; the route closes the connection after it.
      for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes)
          throw new CodedError(
            ErrorCode.PayloadTooLarge,
            `The file is larger than the limit of ${maxBytes} bytes (chat.maxFileBytes)`,
          );
        hash.update(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
      }
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      const sha256 = hash.digest('hex');
      const target = this.pathOf(sha256);
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      if (await exists(target)) await rm(temp, { force: true });
      else await rename(temp, target);
      return { sha256, size };
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** A stream of the stored content; NotFoundError when the blob is gone from disk. */
  async open(sha256: string): Promise<ReadStream> {
    const path = this.pathOf(sha256);
    if (!(await exists(path))) throw new NotFoundError('file content', sha256.slice(0, 12));
    return createReadStream(path);
  }

  private pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.dir, sha256.slice(0, 2), sha256);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
