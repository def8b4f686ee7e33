import { readFileSync } from 'node:fs';
import type { RouteApp } from '../domains/route-context.js';

// The pages ship as files next to the source; the build copies them to dist/http/pages/.
const dir = new URL('./pages/', import.meta.url);
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/setup': { file: 'setup.html', type: 'text/html; charset=utf-8' },
  '/pages/setup.js': { file: 'setup.js', type: 'text/javascript; charset=utf-8' },
  '/pages/pages.css': { file: 'pages.css', type: 'text/css; charset=utf-8' },
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

/** The landing and first-run setup pages, public by nature; the full web app replaces the landing page. */
export function registerPages(app: RouteApp): void {
  for (const [url, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(new URL(file, dir));
    app.get(url, { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply
        .type(type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body),
    );
  }
}
