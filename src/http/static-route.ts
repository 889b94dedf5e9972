import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { RouteHandler } from './http-server.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

const MISSING_BUILD = `<!doctype html><meta charset="utf-8"><title>Dashboard not built</title>
<body style="font:16px system-ui;margin:3rem;max-width:40rem">
<h1>The dashboard is not built yet</h1>
<p>Run <code>npm run build:dashboard</code> (or start the service with <code>npm start</code>, which builds it when needed), then reload.</p>`;

/**
 * Serves the built dashboard from `dir`: `/` is its index.html, hashed files under `/assets/` are
 * cached for a year. Only files inside `dir` are served.
 */
export function staticRoute(dir: string): RouteHandler {
  const root = normalize(dir);
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const path = normalize(join(root, relative));
    if (!path.startsWith(root + sep)) return notFound(res);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) {
      if (relative === 'index.html') return send(res, 503, 'text/html; charset=utf-8', MISSING_BUILD);
      return notFound(res);
    }
    const immutable = relative.startsWith('assets/');
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(relative === 'index.html' ? { 'content-security-policy': CSP } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    await new Promise<void>((resolve, reject) => {
      createReadStream(path).on('error', reject).on('end', resolve).pipe(res);
    });
  };
}

// Everything the page loads comes from this server: no CDN, no inline scripts.
const CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";

function notFound(res: ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', 'not found');
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
