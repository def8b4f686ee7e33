// In-page instruments of the web benchmarks, as script text (this project's type check has no DOM
// library): long tasks from a PerformanceObserver, and the time after which a given text is painted.

/**
 * Installed before any page script: records every long task (`window.__bench.longtasks`) and, once
 * `[data-testid=message-list]` contains `mark`, the time after the next paint (`paintedAt`,
 * milliseconds since navigation start), checked once per animation frame.
 */
export function probeScript(mark: string): string {
  return `(() => {
  const bench = (window.__bench = { longtasks: [], paintedAt: null, foundAt: null });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) bench.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const mark = ${JSON.stringify(mark)};
  const check = () => {
    const list = document.querySelector('[data-testid=message-list]');
    if (list && list.textContent.includes(mark)) {
      bench.foundAt = performance.now();
      // The frame in which it was found is painted before this timeout runs.
      requestAnimationFrame(() => setTimeout(() => { bench.paintedAt = performance.now(); }, 0));
      return;
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;
}

/**
 * The peer: a bare page on the same origin that does what the app does first (one history request
 * of 50 messages) and renders them as plain elements with textContent, and pages back 100 older
 * messages at a time when scrolled near the top, never removing any (no framework, no windowing).
 */
export function barePeerPage(room: string): string {
  return `<!doctype html><meta charset="utf-8"><title>bare peer</title>
<style>body{margin:0;font:14px system-ui}#l{height:100vh;overflow-y:auto}.m{padding:4px 12px;white-space:pre-wrap}.u{font-weight:600;margin-right:6px}</style>
<div id="l" data-testid="message-list"></div>
<script>
const list = document.getElementById('l');
let oldest = null, loading = false, done = false;
function row(m) {
  const d = document.createElement('div'); d.className = 'm';
  const u = document.createElement('span'); u.className = 'u'; u.textContent = m.username || m.userId;
  const t = document.createElement('span'); t.textContent = m.text;
  d.append(u, t); return d;
}
async function page(limit) {
  const q = new URLSearchParams({ limit: String(limit) }); if (oldest) q.set('before', oldest);
  const res = await fetch('/api/rooms/${room}/messages?' + q, { credentials: 'same-origin' });
  return (await res.json()).messages;
}
(async () => {
  const ms = await page(50); oldest = ms[0]?.id ?? null;
  const f = document.createDocumentFragment(); for (const m of ms) f.append(row(m));
  list.append(f); list.scrollTop = list.scrollHeight;
})();
list.addEventListener('scroll', async () => {
  if (loading || done || list.scrollTop > 900) return;
  loading = true;
  const ms = await page(100); if (ms.length === 0) done = true; else oldest = ms[0].id;
  const before = list.scrollHeight;
  const f = document.createDocumentFragment(); for (const m of ms) f.append(row(m));
  list.prepend(f); list.scrollTop += list.scrollHeight - before; loading = false;
});
</script>`;
}
