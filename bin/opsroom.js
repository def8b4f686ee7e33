#!/usr/bin/env node
// The published entry point: runs the compiled CLI from dist/ (built by `npm install` via `prepare`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'run.js');
if (!existsSync(compiled)) {
  console.error('opsroom: dist/ is missing or stale. Run `npm install` (or `npm run build`) first.');
  process.exit(1);
}
// dist/cli/run.js runs the command and sets process.exitCode.
await import(pathToFileURL(compiled).href);
