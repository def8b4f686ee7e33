#!/usr/bin/env node
// The published entry point: runs the compiled CLI from dist/ (built by `npm install` via `prepare`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const compiled = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'index.js');
if (!existsSync(compiled)) {
  console.error('opsroom: dist/ is missing. Run `npm install` (or `npm run build`) first.');
  process.exit(1);
}
const { runCli } = await import(compiled);
process.exitCode = await runCli(process.argv);
