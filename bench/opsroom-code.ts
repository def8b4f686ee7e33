// What the benchmark servers run: Opsroom as installed, the build in dist/ (what `npm start` runs;
// `npm install` makes it, and the benchmarks rebuild it first: buildOpsroom in harness.ts). Not the
// sources through tsx: tsx compiles with esbuild's keepNames, which names every function at each
// creation (`__name(fn, …)`), and that cost Opsroom about a fifth more CPU than the build (alert
// ingest alone, side by side on this machine: 39–48k against 52–59k new alerts/s). A server started
// with `--src` runs the sources all the same (a change not yet built).

/** Opsroom's entry points for a benchmark server, from dist/ or, with `--src`, from src/. */
export async function opsroomCode(argv: readonly string[] = process.argv) {
  const root = argv.includes('--src') ? '../src' : '../dist';
  const [app, schema, actor] = await Promise.all([
    import(`${root}/app.js`) as Promise<typeof import('../src/app.js')>,
    import(`${root}/config/schema.js`) as Promise<typeof import('../src/config/schema.js')>,
    import(`${root}/core/actor.js`) as Promise<typeof import('../src/core/actor.js')>,
  ]);
  return { buildApp: app.buildApp, configSchema: schema.configSchema, SYSTEM_ACTOR: actor.SYSTEM_ACTOR };
}
