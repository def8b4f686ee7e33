// `npm test`: starts the real services if they are missing, makes a fresh PostgreSQL database for this
// run, type-checks, lints, then runs every *.test.ts with Node's test runner through tsx.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureAlertPeers, ensureChromium, ensurePostgres, ensureRedis } from './test-services.mjs';

const args = process.argv.slice(2);
const skipSetup = args.includes('--no-setup');
const only = args.filter((a) => !a.startsWith('--'));
const adminUrl = `postgres://${userInfo().username}@127.0.0.1:5432/test`;

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function step(name, cmd, cmdArgs, env = process.env) {
  console.log(`\n▶ ${name}`);
  const result = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`✖ ${name} failed`);
    process.exit(result.status ?? 1);
  }
}

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

if (!skipSetup) {
  step('typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json']);
  step('typecheck web', process.execPath, [
    'node_modules/typescript/bin/tsc',
    '--noEmit',
    '-p',
    'web/tsconfig.json',
  ]);
  step('lint', process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'lint', '.']);
}

await ensurePostgres();
await ensureRedis();
// The alert peer tests (test/peers/) run Debian's Alertmanager and Prometheus.
ensureAlertPeers();
// The browser tests (test/e2e/) drive Debian's Chromium; they build the web app themselves when stale.
ensureChromium();
const dbName = `opsroom_test_${Date.now()}_${process.pid}`;
await withAdmin((c) => c.query(`CREATE DATABASE ${dbName}`));
const testUrl = `postgres://${userInfo().username}@127.0.0.1:5432/${dbName}`;
{
  const client = new pg.Client({ connectionString: testUrl });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await client.end();
}

const files =
  only.length > 0
    ? only
    : [...testFiles('src'), ...testFiles('test'), ...testFiles('examples'), ...testFiles('web')].sort();
console.log(`\n▶ tests (${files.length} files; PostgreSQL database ${dbName})`);
const tapFile = join(tmpdir(), `opsroom-test-${process.pid}.tap`);
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    // `import 'opsroom'` (plugins, examples) resolves to src/, the code under test, not a stale dist/.
    '--conditions=opsroom-source',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  {
    stdio: 'inherit',
    env: { ...process.env, OPSROOM_TEST_DATABASE_URL: testUrl, OPSROOM_LOG_LEVEL: 'silent' },
  },
);

await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).catch(() => {});
// One plain closing line, whatever reads the log: counted from the TAP copy of the run.
try {
  const tap = readFileSync(tapFile, 'utf8');
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  const cancelled = count('cancelled');
  console.log(
    `\n${count('pass')} passed, ${count('fail')} failed, ${cancelled} cancelled, ${count('skipped')} skipped`,
  );
  rmSync(tapFile, { force: true });
  // A cancelled test did not finish (its file ended first, or timed out): it proved nothing, so the
  // run fails even when Node's runner exits 0 for it.
  if (cancelled > 0) process.exit(1);
} catch {
  // The runner died before writing its report; its exit status below says so.
}
process.exit(result.status ?? 1);
