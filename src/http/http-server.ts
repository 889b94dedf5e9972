import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../telemetry/logger.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

interface Route {
  method: string | '*';
  /** Exact path, or a prefix ending in `/*`. */
  path: string;
  handler: RouteHandler;
}

/** The service's one HTTP server: a small router in front of the API, webhooks and the dashboard. */
export class HttpServer {
  readonly #routes: Route[] = [];
  readonly #server: Server;

  constructor(private readonly logger: Logger) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 65_000;
  }

  get server(): Server {
    return this.#server;
  }

  route(method: string | '*', path: string, handler: RouteHandler): this {
    this.#routes.push({ method, path, handler });
    return this;
  }

  async listen(port: number, host: string): Promise<URL> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return new URL(`http://${shown}:${address.port}`);
  }

  async close(): Promise<void> {
    this.#server.closeIdleConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.#routes.find(
      (r) => (r.method === '*' || r.method === req.method) && (r.path.endsWith('/*') ? url.pathname.startsWith(r.path.slice(0, -1)) || url.pathname === r.path.slice(0, -2) : url.pathname === r.path),
    );
    try {
      if (!route) {
        const known = this.#routes.some((r) => r.path === url.pathname);
        sendJson(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
        return;
      }
      await route.handler(req, res, url);
    } catch (error) {
      this.logger.error({ err: error, path: url.pathname }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** The raw request body, refusing more than `limitBytes`. Webhook signatures need the exact bytes. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new BodyTooLarge(`body is over ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
