import type { Counter } from 'prom-client';

/**
 * Increments a two-label prom-client counter from a hot path. prom-client builds and looks up a label
 * hash string on every `inc` (about a microsecond per bot command with 500 commands); this counts in
 * nested Maps keyed by the label values instead and hands prom-client one `inc` per label pair with
 * the sum, once per turn of the event loop. A scrape sees every increment made before the current turn.
 */
export function batchedCounter<A extends string, B extends string>(
  counter: Counter<A | B>,
  first: A,
  second: B,
): (a: string, b: string) => void {
  const pending = new Map<string, Map<string, number>>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    for (const [a, byB] of pending) {
      for (const [b, n] of byB) counter.inc({ [first]: a, [second]: b } as Record<A | B, string>, n);
    }
    pending.clear();
  };
  return (a, b) => {
    let byB = pending.get(a);
    if (byB === undefined) {
      byB = new Map();
      pending.set(a, byB);
    }
    byB.set(b, (byB.get(b) ?? 0) + 1);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
