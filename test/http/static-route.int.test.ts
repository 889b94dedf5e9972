import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer } from '../../src/http/http-server.ts';
import { staticRoute } from '../../src/http/static-route.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';

let dir: string;
let server: HttpServer;
let url: URL;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnl-static-'));
  await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>ok</title>');
  await writeFile(join(dir, 'dist', 'assets', 'app-1a2b.js'), 'export {};');
  await writeFile(join(dir, 'secret.txt'), 'not for the web');
  const served = staticRoute(join(dir, 'dist'));
  const missing = staticRoute(join(dir, 'no-build'));
  server = new HttpServer(silentLogger())
    .route('GET', '/', served)
    .route('GET', '/assets/*', served)
    .route('GET', '/unbuilt', (req, res, u) => missing(req, res, new URL('/', u)));
  url = await server.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw GET, so a path with `..` reaches the server as written. */
function get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard files', () => {
  it('serve index.html at / with a same-origin content security policy and no caching', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('serve hashed assets with their type and a year of caching', async () => {
    const res = await get('/assets/app-1a2b.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it.each(['/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/missing.js'])('answer 404 for %s', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('not for the web');
  });

  it('explain how to build the dashboard when it is not built', async () => {
    const res = await get('/unbuilt');
    expect(res.status).toBe(503);
    expect(res.body).toContain('npm run build:dashboard');
  });
});
