// `npm run bench [id...]`: runs the named benchmarks (all by default) and records them in docs/benchmarks.md.
import type { Benchmark } from './harness.js';
import { writeReports } from './harness.js';

const registry: Record<string, () => Promise<Benchmark>> = {
  footprint: async () => (await import('./footprint.bench.js')).benchmark,
  fanout: async () => (await import('./fanout.bench.js')).benchmark,
  search: async () => (await import('./search.bench.js')).benchmark,
  dispatch: async () => (await import('./dispatch.bench.js')).benchmark,
  'ping-e2e': async () => (await import('./ping-e2e.bench.js')).benchmark,
  'web-bundle': async () => (await import('./web-bundle.bench.js')).benchmark,
  'web-room': async () => (await import('./web-room.bench.js')).benchmark,
  'alerts-ingest': async () => (await import('./alerts-ingest.bench.js')).benchmark,
  'alerts-latency': async () => (await import('./alerts-latency.bench.js')).benchmark,
};

const wanted = process.argv.slice(2);
const ids = wanted.length > 0 ? wanted : Object.keys(registry);
for (const id of ids) {
  const load = registry[id];
  if (!load) {
    console.error(`unknown benchmark '${id}'; known: ${Object.keys(registry).join(', ')}`);
    process.exit(2);
  }
  console.log(`▶ ${id}`);
  const bench = await load();
  const report = await bench.run();
  console.log(report.markdown);
  writeReports('docs/benchmarks.md', [report]);
}
