// Builds the web app into dist/web, which the server serves at '/'. `npm run build` calls this.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inline assets: the strict Content-Security-Policy allows only same-origin files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` during development talks to a server on :8080.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
