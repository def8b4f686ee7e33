// Transpiles src/ to dist/ with esbuild (no bundling, one file per module), then builds the web app.
// Type checking is `npm run typecheck`.
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: sources('src'),
  outdir: 'dist',
  outbase: 'src',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});

// Static files that sit beside the code (HTML pages) travel with it.
cpSync('src/http/pages', 'dist/http/pages', { recursive: true });

// The web app (React + Vite, web/) into dist/web, which the server serves at '/'.
const { build: buildWeb } = await import('vite');
await buildWeb({ configFile: 'web/vite.config.ts', logLevel: 'warn' });
