import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const WEB_DIST = join(ROOT, 'dist', 'web');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the web app into dist/web when it is missing or older than any file under web/ (the browser
 * tests and benchmarks need the real bundle). The same Vite config `npm run build` uses.
 */
export function ensureWebBuild(): string {
  const index = join(WEB_DIST, 'index.html');
  const fresh = existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(ROOT, 'web'));
  if (fresh) return WEB_DIST;
  const result = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0 || !existsSync(index))
    throw new Error('the web app did not build (vite build failed)');
  return WEB_DIST;
}
