// Makes sure the real services the tests talk to are up: PostgreSQL and Redis. On these machines they
// already run; on a fresh Debian machine (as root) this installs and starts them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';

function portOpen(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(port, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await portOpen(port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  return result.status === 0;
}

let aptUpdated = false;
function aptInstall(...packages) {
  if (process.getuid?.() !== 0) throw new Error(`missing ${packages.join(', ')}; install them (needs root)`);
  if (!aptUpdated) run('apt-get', ['update', '-qq']);
  aptUpdated = true;
  if (!run('apt-get', ['install', '-y', '-qq', ...packages]))
    throw new Error(`apt-get install ${packages} failed`);
}

function has(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

export async function ensurePostgres() {
  if (await portOpen(5432)) return;
  if (!existsSync('/etc/postgresql')) aptInstall('postgresql', 'postgresql-contrib');
  for (const version of readdirSync('/etc/postgresql')) {
    run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
  }
  if (!(await waitForPort(5432, 20))) throw new Error('PostgreSQL did not start on 127.0.0.1:5432');
  // Trust auth and a `test` database, as on the project's machines.
  const psql = (sqlText) =>
    spawnSync('su', ['postgres', '-c', `psql -qc "${sqlText}"`], { stdio: 'inherit' });
  psql('CREATE DATABASE test');
}

export async function ensureRedis() {
  if (await portOpen(6379)) return;
  if (!has('redis-server')) aptInstall('redis-server');
  execFileSync('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    '6379',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  if (!(await waitForPort(6379, 10))) throw new Error('Redis did not start on 127.0.0.1:6379');
}

// Debian names the Alertmanager binary `prometheus-alertmanager`; upstream tarballs call it `alertmanager`.
const ALERTMANAGER_NAMES = ['prometheus-alertmanager', 'alertmanager'];

function locate(names) {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
    if (found.status === 0) return found.stdout.trim();
  }
  return undefined;
}

/**
 * Finds (or, as root on Debian, installs) the real peers of the alert tests and benchmarks: Debian's
 * `prometheus-alertmanager` and `prometheus`. Returns their paths; the peer tests read them from
 * OPSROOM_ALERTMANAGER_BIN / OPSROOM_PROMETHEUS_BIN when set.
 */
export function ensureAlertPeers() {
  let alertmanager = locate(ALERTMANAGER_NAMES);
  let prometheus = locate(['prometheus']);
  const missing = [];
  if (alertmanager === undefined) missing.push('prometheus-alertmanager');
  if (prometheus === undefined) missing.push('prometheus');
  if (missing.length > 0) {
    aptInstall(...missing);
    alertmanager = locate(ALERTMANAGER_NAMES);
    prometheus = locate(['prometheus']);
    // Where the packages start system services, stop them: the tests run their own on free ports.
    for (const unit of missing) spawnSync('systemctl', ['disable', '--now', unit], { stdio: 'ignore' });
  }
  if (alertmanager === undefined || prometheus === undefined)
    throw new Error('prometheus-alertmanager or prometheus is still missing after apt-get install');
  return { alertmanager, prometheus };
}

/** Where the browser tests and web benchmarks find Chromium (Debian's package). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Makes sure Debian's `chromium` is installed for the browser tests (test/e2e/) and the web
 * benchmarks; as root it runs `apt-get update` once and `apt-get install -y chromium` (with
 * `fonts-noto-color-emoji`).
 */
export function ensureChromium() {
  // The colour emoji font too, or reactions show as empty boxes in the tests' screenshots.
  const emoji = '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf';
  if (existsSync(CHROMIUM) && existsSync(emoji)) return CHROMIUM;
  aptInstall('chromium', 'fonts-noto-color-emoji');
  if (!existsSync(CHROMIUM))
    throw new Error(`chromium is still missing at ${CHROMIUM} after apt-get install`);
  return CHROMIUM;
}

if (process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  // `node scripts/test-services.mjs chromium` installs the browser on its own (CI images, benchmarks).
  if (process.argv[2] === 'chromium') console.log(ensureChromium());
  // `node scripts/test-services.mjs alert-peers` installs the peers on their own (CI images, benchmarks).
  if (process.argv[2] === 'alert-peers') console.log(JSON.stringify(ensureAlertPeers()));
}
