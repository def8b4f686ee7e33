import { setTimeout as delay } from 'node:timers/promises';
import { CodedError, ErrorCode } from '../core/errors.js';
import type { RoomEventFrame, RoomEvents, TailOptions } from './client.js';

export const POLL_INTERVAL_MS = 500;
const PAGE = 500;

/** Waits, or returns early (without throwing) when the signal aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks signal.aborted
  }
}

/** Transient failures a follower rides out (the server restarting); anything else ends the follow. */
export function isTransient(error: unknown): boolean {
  return error instanceof CodedError && error.code === ErrorCode.Unavailable;
}

/**
 * Follows a room by asking for events after the last seen sequence number every `intervalMs`: the
 * offline path, and the fallback when a server has no WebSocket endpoint. Nothing is missed or
 * repeated, because each question starts where the last answer ended.
 */
export async function* pollEvents(
  fetchPage: (after: number, limit: number) => Promise<RoomEvents>,
  options: TailOptions,
  intervalMs = POLL_INTERVAL_MS,
): AsyncGenerator<RoomEventFrame> {
  let after = options.after;
  let live = false;
  let failing = false;
  while (!options.signal.aborted) {
    let page: RoomEvents;
    try {
      page = await fetchPage(after, PAGE);
    } catch (error) {
      if (!live || !isTransient(error)) throw error;
      if (!failing) options.onNotice?.(`${(error as Error).message}; retrying…`);
      failing = true;
      await sleep(intervalMs * 4, options.signal);
      continue;
    }
    if (failing) options.onNotice?.(`reconnected; resuming after seq ${after}`);
    failing = false;
    if (!live) {
      live = true;
      options.onLive?.();
    }
    for (const frame of page.events) {
      if (frame.seq <= after) continue;
      after = frame.seq;
      yield frame;
      if (options.signal.aborted) return;
    }
    // A full page means more is waiting: ask again at once instead of sleeping.
    if (page.events.length < PAGE) await sleep(intervalMs, options.signal);
  }
}

/** A push-to-pull queue: event callbacks push, one consumer iterates. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
