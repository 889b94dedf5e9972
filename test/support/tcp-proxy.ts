import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy between the service and a real server (PostgreSQL, RabbitMQ), to break the network
 * on demand without touching the shared server itself:
 *
 *   open --cut()--> cut: every connection reset, new ones reset at once
 *   open --silence()--> silent: client sides kept open and never answered, server sides closed
 *                             (the server's backends end); new ones accepted, nothing forwarded
 *   cut | silent --reopen()--> open: new connections are forwarded again; those silenced stay
 *                                    silent until close(), as connections to a failed-over server
 *                                    do: nothing resets them, only the client's own timeout ends them
 */
export interface TcpProxy {
  readonly port: number;
  /** The target's URL with the proxy's host and port in its place. */
  url(target: string): string;
  cut(): void;
  silence(): void;
  reopen(): void;
  /** Connections reset on arrival while cut: how often clients tried to reconnect. */
  readonly refused: number;
  /** Connections forwarded since the proxy started. */
  readonly accepted: number;
  close(): Promise<void>;
}

type ProxyState = 'open' | 'cut' | 'silent';

interface Pair {
  client: Socket;
  upstream: Socket | null;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: ProxyState = 'open';
  let refused = 0;
  let accepted = 0;
  const pairs = new Set<Pair>();

  const drop = (pair: Pair) => {
    if (!pairs.delete(pair)) return;
    pair.client.resetAndDestroy();
    pair.upstream?.resetAndDestroy();
  };

  const silenced = new WeakSet<Pair>();
  const server = createServer((client) => {
    if (state === 'cut') {
      refused++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: null };
    pairs.add(pair);
    client.on('error', () => drop(pair));
    client.on('close', () => drop(pair));
    // A connection that arrives during a silence is held, never connected through.
    if (state === 'silent') {
      silenced.add(pair);
      client.on('data', () => undefined);
      return;
    }
    accepted++;
    const upstream = connect(target);
    pair.upstream = upstream;
    upstream.on('error', () => drop(pair));
    upstream.on('close', () => drop(pair));
    // Written by hand rather than piped, so a silence can swallow bytes in both directions.
    client.on('data', (chunk: Buffer) => {
      if (state === 'open' && !silenced.has(pair)) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (state === 'open' && !silenced.has(pair)) client.write(chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut() {
      state = 'cut';
      for (const pair of [...pairs]) drop(pair);
    },
    silence() {
      state = 'silent';
      for (const pair of pairs) {
        silenced.add(pair);
        // The server side goes away at once, as behind a failover: its backend ends and rolls back.
        // Kept open, an idle-in-transaction backend would hold back the snapshot's xmin for every
        // database on the shared server, and every other test file's ledger readers with it.
        const upstream = pair.upstream;
        pair.upstream = null;
        upstream?.removeAllListeners('close').removeAllListeners('error').on('error', () => undefined).resetAndDestroy();
      }
    },
    reopen() {
      state = 'open';
    },
    get refused() {
      return refused;
    },
    get accepted() {
      return accepted;
    },
    async close() {
      state = 'cut';
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
