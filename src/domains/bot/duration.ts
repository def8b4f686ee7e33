/**
 * Durations as people type them in chat (`90s`, `15m`, `1h30m`, `1.5h`, `2 days` is two tokens so it is
 * not accepted) and back again for help and replies. Kept apart from the argument kinds because
 * silences, schedules and timeouts in configuration use the same notation.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  wk: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

// One `<number><unit>` part; the whole text must be a run of these with nothing in between.
const PART = /(\d+(?:\.\d+)?)([a-z]+)/y;
const MAX_TEXT = 64;

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

/**
 * Parses `90s`, `15m`, `2h`, `1d`, `1w`, `500ms`, `1h30m`, `1.5h` (case-insensitive) into whole
 * milliseconds. A bare number is refused on purpose: `5` could mean seconds or minutes, and guessing
 * wrong for a silence or a timeout is worse than asking. Each unit may appear once.
 */
export function parseDuration(text: string): DurationResult {
  const input = text.trim().toLowerCase();
  if (input.length === 0) return { ok: false, reason: 'is empty' };
  if (input.length > MAX_TEXT) return { ok: false, reason: 'is too long' };
  if (/^\d+(\.\d+)?$/.test(input)) {
    return { ok: false, reason: `needs a unit, e.g. ${input}s, ${input}m or ${input}h` };
  }
  let total = 0;
  let index = 0;
  const usedUnits = new Set<number>();
  while (index < input.length) {
    PART.lastIndex = index;
    const match = PART.exec(input);
    if (!match) return { ok: false, reason: 'is not a duration such as 90s, 15m, 2h, 1d or 1h30m' };
    const unit = UNIT_MS[match[2]!];
    if (unit === undefined) {
      return { ok: false, reason: `has an unknown unit '${match[2]}' (use ms, s, m, h, d or w)` };
    }
    if (usedUnits.has(unit)) return { ok: false, reason: `repeats the unit '${match[2]}'` };
    usedUnits.add(unit);
    total += Number(match[1]) * unit;
    index = PART.lastIndex;
  }
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) return { ok: false, reason: 'is too large' };
  return { ok: true, ms };
}

/** Whole milliseconds as the shortest exact text parseDuration reads back: 5_400_000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      const count = Math.floor(rest / size);
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.join('');
}
