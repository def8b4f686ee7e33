import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type: string };

/** A WebSocket test client that records every frame and lets a test wait for one. */
export class WsTestClient {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private closeWaiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    ws.on('close', (code: number) => {
      this.closeCode = code;
      for (const resolve of this.closeWaiters) resolve();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => resolve(new WsTestClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res: IncomingMessage) =>
        reject(new Error(`upgrade refused with ${res.statusCode}`)),
      );
    });
  }

  /** The HTTP status and JSON body an upgrade is refused with. */
  static refusal(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => {
        ws.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      ws.on('error', () => {});
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) });
          ws.terminate();
        });
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or still to come) that matches. */
  waitFor(match: (f: Frame) => boolean, timeoutMs = 10_000, from = 0): Promise<Frame> {
    const seen = this.frames.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Sends a frame with an id and resolves with the reply that echoes it. */
  async request(frame: Record<string, unknown> & { id: string }, timeoutMs = 10_000): Promise<Frame> {
    const from = this.frames.length;
    this.send(frame);
    return this.waitFor((f) => f.id === frame.id, timeoutMs, from);
  }

  /** Sequence numbers of the event frames received for a room, in arrival order. */
  seqs(roomId: string): number[] {
    return this.frames.filter((f) => f.type === 'event' && f.roomId === roomId).map((f) => f.seq as number);
  }

  /** Resolves once event frames for the room reach `seq`. */
  waitForSeq(roomId: string, seq: number, timeoutMs = 15_000): Promise<Frame> {
    return this.waitFor(
      (f) => f.type === 'event' && f.roomId === roomId && (f.seq as number) >= seq,
      timeoutMs,
    );
  }

  closed(): Promise<number | undefined> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.closeWaiters.push(() => resolve(this.closeCode)));
  }

  close(): void {
    this.ws.close();
  }
}

/** Expects seqs to be exactly first..last, each once, in order. */
export function contiguous(seqs: number[], first: number, last: number): boolean {
  if (seqs.length !== last - first + 1) return false;
  return seqs.every((s, i) => s === first + i);
}
