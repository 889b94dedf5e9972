import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Exactly what a stand-in received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** A scripted answer: a response, an answer that never comes, or a connection cut mid-request. */
export type StandinAnswer =
  | { status: number; body?: string | object; headers?: Record<string, string> }
  | { hang: true }
  | { dropConnection: true };

export type StandinHandler = (request: RecordedRequest) => StandinAnswer | Promise<StandinAnswer>;

export interface StandinServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The next `count` requests get `answer` instead of the provider's normal behaviour. */
  failNext(count: number, answer: StandinAnswer): void;
  /** Forgets recorded requests and scripted answers. */
  reset(): void;
  close(): Promise<void>;
}

/** A tiny HTTP server on 127.0.0.1 that records every request and can be scripted to misbehave. */
export async function startStandin(handler: StandinHandler): Promise<StandinServer> {
  const requests: RecordedRequest[] = [];
  const scripted: StandinAnswer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, text: body.toString('utf8') };
      requests.push(recorded);
      const next = scripted.shift();
      Promise.resolve(next ?? handler(recorded))
        .then((answer) => reply(res, answer))
        .catch((error: unknown) => reply(res, { status: 500, body: { standinError: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(count, answer) {
      for (let i = 0; i < count; i += 1) scripted.push(answer);
    },
    reset() {
      requests.length = 0;
      scripted.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function reply(res: ServerResponse, answer: StandinAnswer): void {
  if ('hang' in answer) return;
  if ('dropConnection' in answer) {
    res.socket?.destroy();
    return;
  }
  const isText = typeof answer.body === 'string';
  const body = answer.body === undefined ? '' : isText ? String(answer.body) : JSON.stringify(answer.body);
  const contentType = isText ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(answer.status, { 'content-type': contentType, ...answer.headers });
  res.end(body);
}

/** Request headers as a plain record, for equality assertions. */
export function headerOf(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
