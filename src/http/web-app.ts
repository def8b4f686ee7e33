import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '../core/errors.js';
import type { RouteApp } from '../domains/route-context.js';

/**
 * The Content-Security-Policy of every HTML page: scripts and styles only from this origin, no inline
 * script or style elements (React sets styles through the DOM, which CSP allows), no framing.
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Where `npm run build` puts the app: `dist/web` of the package, from `src/http/` and `dist/http/` alike. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.svg',
  '.map',
  '.webmanifest',
  '.txt',
]);
/** Paths that are never the app: unknown ones there stay JSON 404s. */
const SERVER_PREFIXES = ['/api/', '/healthz', '/readyz', '/metrics'];

interface Asset {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  /** Vite names hashed files `name-<hash>.ext` under `assets/`: they never change, so cache forever. */
  immutable: boolean;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const url = `/${relative(dir, path).split(sep).join('/')}`;
        const ext = extname(entry.name).toLowerCase();
        const body = readFileSync(path);
        assets.set(url, {
          body,
          gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined,
          type: TYPES[ext] ?? 'application/octet-stream',
          immutable: url.startsWith('/assets/'),
        });
      }
    }
  };
  walk(dir);
  return assets;
}

function securityHeaders(reply: FastifyReply, html: boolean): FastifyReply {
  reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
  if (html)
    reply
      .header('content-security-policy', WEB_APP_CSP)
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin');
  return reply;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  securityHeaders(reply, asset.type.startsWith('text/html'));
  reply
    .type(asset.type)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('vary', 'accept-encoding');
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (asset.gzip && acceptsGzip) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

/**
 * Serves the built web app (`dist/web`) at `/`: its files as they are (hashed assets cached for a
 * year, the rest revalidated), and `index.html` for every other GET outside the API, so client
 * routes (`/r/ops`, `/admin/users`) load the app. Every HTML answer carries the strict CSP.
 * Files are read once at start. Returns false (and registers nothing) when the app is not built.
 */
export function registerWebApp(app: RouteApp, options: { dir?: string | undefined } = {}): boolean {
  const dir = options.dir ?? DEFAULT_WEB_DIR;
  if (!existsSync(join(dir, 'index.html')) || !statSync(dir).isDirectory()) return false;
  const assets = loadAssets(dir);
  const index = assets.get('/index.html')!;
  app.get('/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const path = decodeURIComponentSafe(request.url.split('?')[0] ?? '/');
    const asset = assets.get(path);
    if (asset) return send(request, reply, asset);
    const server = SERVER_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p));
    // A missing hashed asset is a real 404 (an old tab after a deploy), never the HTML page as script.
    if (server || path.startsWith('/assets/') || extname(path) !== '')
      return securityHeaders(reply, false)
        .code(404)
        .send({ error: { code: ErrorCode.NotFound, message: `No route GET ${path}` } });
    return send(request, reply, index);
  });
  return true;
}

function decodeURIComponentSafe(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
