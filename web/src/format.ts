// Dates and sizes as people read them.
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const dayYearFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
const short = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function clock(iso: string): string {
  return time.format(new Date(iso));
}

export function fullDate(iso: string): string {
  return full.format(new Date(iso));
}

export function shortDate(iso: string): string {
  return short.format(new Date(iso));
}

/** The local calendar day, as a key to compare messages by. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const key = dayKey(iso);
  if (key === dayKey(now.toISOString())) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (key === dayKey(yesterday.toISOString())) return 'Yesterday';
  return d.getFullYear() === now.getFullYear() ? dayFmt.format(d) : dayYearFmt.format(d);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** `4.2s`, `3m 05s`, `1h 02m`: the same shape the job cards use. */
export function duration(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `4.2s`, `3m 05s`, `1h 02m` (the server's formatDuration) back to milliseconds. */
export function parseDuration(text: string): number | undefined {
  const parts = text.trim().split(/\s+/);
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };
  let ms = 0;
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)([hms])$/.exec(part);
    if (!m) return undefined;
    ms += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
  }
  return ms;
}
