import { connect } from 'node:net';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * What /readyz reports: each dependency reachable or not. A check is a probe to run, or for the
 * broker its URL (a TCP connect: the intake keeps its own connection and reconnects by itself).
 */
export async function readinessChecks(checks: Record<string, (() => Promise<unknown>) | string>): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const probe = typeof check === 'string' ? () => tcpReachable(check) : check;
      return [name, await withTimeout(probe()).then(() => true, () => false)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function tcpReachable(url: string): Promise<void> {
  const { hostname, port, protocol } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port || (protocol === 'amqps:' ? 5671 : 5672)) });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
    socket.setTimeout(CHECK_TIMEOUT_MS, () => {
      socket.destroy();
      reject(new Error('timed out'));
    });
  });
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
