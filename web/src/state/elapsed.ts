/**
 * The highest elapsed time shown so far for each running job. A job card's update carries the
 * server's Duration as of that update, rounded, which can be a little behind what this page had
 * ticked to since the previous update (seen: 0.9 s, then 0.8 s when the next line arrived); a running
 * job's time must never go back.
 */
const highest = new Map<number, number>();

/** `elapsedMs`, or the most this page has shown for the job if that was more. */
export function neverBack(jobId: number, elapsedMs: number): number {
  const shown = Math.max(highest.get(jobId) ?? 0, elapsedMs);
  if (!highest.has(jobId) && highest.size >= 1000) highest.clear();
  highest.set(jobId, shown);
  return shown;
}
