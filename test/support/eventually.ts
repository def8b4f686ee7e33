/**
 * Polls `check` until it returns without throwing (or a truthy value), for work that finishes on real
 * I/O (PostgreSQL, child processes) after the test's trigger. Gives up after `timeoutMs` of real time
 * with the last error, so a hang fails the test with a reason instead of stalling it.
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
): Promise<Exclude<T, false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value as Exclude<T, false>;
      if (Date.now() > deadline) throw new Error('eventually: condition still false');
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
