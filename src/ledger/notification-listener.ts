import pg from 'pg';
import { DEFAULT_POSTGRES_TIMEOUTS, type PostgresTimeouts } from './sql-connection.ts';

export interface NotificationListener {
  /** Whether the LISTEN holds now: while it does not, notifications are being missed. */
  readonly listening: boolean;
  close(): Promise<void>;
}

export interface NotificationHandlers {
  onPayload(payload: string): void;
  /**
   * Notifications may have been missed: the connection was lost, or has just been made again.
   * Whatever relies on hearing every one must start afresh.
   */
  onGap(): void;
}

export interface ListenOptions {
  applicationName: string;
  timeouts?: Partial<PostgresTimeouts>;
  retryMs?: number;
}

/**
 * LISTENs on `channel` over a connection of its own, and again after a lost one, every `retryMs`
 * until it holds. Resolves after the first attempt, held or not.
 */
export async function listenForNotifications(url: string, channel: string, handlers: NotificationHandlers, options: ListenOptions): Promise<NotificationListener> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  const timeouts = { ...DEFAULT_POSTGRES_TIMEOUTS, ...options.timeouts };
  let current: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const listenLater = () => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void listen();
    }, options.retryMs ?? 1000);
  };

  const listen = async () => {
    const client = new pg.Client({
      connectionString: url,
      application_name: options.applicationName,
      connectionTimeoutMillis: timeouts.connectMs,
      // A vanished server must end this client: a LISTEN that silently hears nothing is the one failure to avoid.
      keepAlive: true,
      keepAliveInitialDelayMillis: timeouts.keepAliveDelayMs,
    });
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload) handlers.onPayload(message.payload);
    });
    // Followed by 'end'.
    client.on('error', () => undefined);
    client.on('end', () => {
      if (current !== client) return;
      current = null;
      handlers.onGap();
      listenLater();
    });
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
      if (closed) {
        await client.end();
        return;
      }
      current = client;
      handlers.onGap();
    } catch {
      await client.end().catch(() => undefined);
      listenLater();
    }
  };

  await listen();
  return {
    get listening() {
      return current !== null;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const client = current;
      current = null;
      await client?.end().catch(() => undefined);
    },
  };
}
