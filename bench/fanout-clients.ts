import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { FanoutTarget } from './fanout-server.js';

/**
 * A thousand WebSocket clients that cost the load generator as little as possible: raw sockets and
 * a minimal RFC 6455 frame reader (no per-message events, no JSON parsing). Each text frame is only
 * searched for the post id, `"text":"p<id>"`, so the load generator is not what limits the servers.
 */
const MARKER = Buffer.from('"text":"p');
const READ_BUFFER = Buffer.alloc(256 * 1024);

/** Client-to-server frames must be masked; a zero mask keeps the payload readable and is valid. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 6 : 8;
  const out = Buffer.alloc(header + length);
  out[0] = 0x80 | opcode;
  if (length < 126) out[1] = 0x80 | length;
  else {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  }
  payload.copy(out, header);
  return out;
}

export class ClientPool {
  readonly sockets: Socket[] = [];
  /** Text frames received that carried a post id. */
  deliveries = 0;
  closed = 0;
  /** Called for every delivery: (post id, receive time from performance.now()). */
  onDelivery: (id: number, at: number) => void = () => {};

  async connect(target: FanoutTarget, count: number, parallel = 50): Promise<void> {
    const url = new URL(target.wsUrl);
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < count) {
          next++;
          this.sockets.push(await this.open(url, target));
        }
      }),
    );
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private open(url: URL, target: FanoutTarget): Promise<Socket> {
    return new Promise((resolve, reject) => {
      let pending: Buffer | undefined;
      let upgraded = false;
      let subscribed = target.subscribe === undefined;
      const ackMarker = target.subscribe ? Buffer.from(target.subscribe.ackMarker) : undefined;
      // `onread` hands each read to us in a shared buffer, skipping the stream machinery and its
      // per-read 'data' event: most of what a thousand readers would otherwise cost here.
      const socket = connect({
        port: Number(url.port),
        host: url.hostname,
        noDelay: true,
        onread: {
          buffer: READ_BUFFER,
          callback: (n: number, chunk: Uint8Array) => {
            onRead(n, chunk);
            return true;
          },
        },
      });
      const headers = Object.entries(target.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`,
      );
      socket.on('error', reject);
      socket.on('close', () => {
        this.closed++;
      });
      const onRead = (n: number, chunk: Uint8Array): void => {
        const fresh = Buffer.from(chunk.buffer, chunk.byteOffset, n);
        let buf = pending ? Buffer.concat([pending, fresh]) : fresh;
        pending = undefined;
        if (!upgraded) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            pending = Buffer.from(buf);
            return;
          }
          const head = buf.subarray(0, end).toString('latin1');
          if (!head.startsWith('HTTP/1.1 101')) {
            reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
            return;
          }
          upgraded = true;
          buf = buf.subarray(end + 4);
          if (target.subscribe) socket.write(clientFrame(1, Buffer.from(target.subscribe.frame)));
          else resolve(socket);
        }
        let off = 0;
        const now = performance.now();
        while (buf.length - off >= 2) {
          const small = buf[off + 1]! & 0x7f;
          const header = small < 126 ? 2 : small === 126 ? 4 : 10;
          if (buf.length - off < header) break;
          const length =
            small < 126
              ? small
              : small === 126
                ? buf.readUInt16BE(off + 2)
                : Number(buf.readBigUInt64BE(off + 2));
          if (buf.length - off < header + length) break;
          const opcode = buf[off]! & 0x0f;
          const payload = buf.subarray(off + header, off + header + length);
          off += header + length;
          if (opcode === 9) socket.write(clientFrame(10, Buffer.from(payload)));
          if (opcode !== 1) continue;
          const at = payload.indexOf(MARKER);
          if (at >= 0) {
            let id = 0;
            for (let i = at + MARKER.length; i < payload.length; i++) {
              const digit = payload[i]! - 48;
              if (digit < 0 || digit > 9) break;
              id = id * 10 + digit;
            }
            this.deliveries++;
            this.onDelivery(id, now);
          } else if (!subscribed && ackMarker && payload.indexOf(ackMarker) >= 0) {
            subscribed = true;
            resolve(socket);
          }
        }
        // The read buffer is shared by every socket: keep a copy of a partial frame.
        if (off < buf.length) pending = Buffer.from(buf.subarray(off));
      };
    });
  }
}
