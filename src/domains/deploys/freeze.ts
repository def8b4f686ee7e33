import { Cron } from 'croner';
import type { FreezeWindow } from '../../config/apps-schema.js';

/** The freeze window `atMs` falls in, if any. */
export function activeFreeze(windows: readonly FreezeWindow[], atMs: number): FreezeWindow | undefined {
  return windows.find((window) => {
    if (window.kind === 'range') return atMs >= window.fromMs && atMs < window.toMs;
    // Frozen when a start fell within the last `durationMs`: the next start after (at - duration) is
    // not later than now. croner answers "next after", so no backwards search is needed.
    const next = new Cron(window.cron, { timezone: window.timezone }).nextRun(
      new Date(atMs - window.durationMs),
    );
    return next !== null && next.getTime() <= atMs;
  });
}

/** `until 2026-12-27T00:00:00Z` for a range; the pattern for a cron window. */
export function describeFreeze(window: FreezeWindow): string {
  const reason = window.reason ? ` (${window.reason})` : '';
  if (window.kind === 'range') return `frozen until ${new Date(window.toMs).toISOString()}${reason}`;
  return `frozen by the window \`${window.cron}\` (${window.timezone})${reason}`;
}
