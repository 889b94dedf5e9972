import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { until } from '../support/until.ts';

let echo: Server;
let proxy: TcpProxy;
beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
});
afterAll(async () => {
  await proxy?.close();
  await new Promise((resolve) => echo?.close(resolve));
});

/** A client of the proxy that keeps what it received and how it ended. */
async function open(): Promise<{ socket: Socket; received: () => string; ended: () => string | null }> {
  const socket = connect(proxy.port, '127.0.0.1');
  let received = '';
  let ended: string | null = null;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', (error: NodeJS.ErrnoException) => (ended = error.code ?? error.message));
  socket.on('close', () => (ended ??= 'closed'));
  // A connection the proxy resets on arrival may close before it reports being connected.
  await new Promise((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  return { socket, received: () => received, ended: () => ended };
}

describe('the test TCP proxy', () => {
  it('forwards, cuts every connection and refuses new ones until reopened', async () => {
    const first = await open();
    first.socket.write('ping');
    await until(() => first.received() === 'ping', { what: 'the echo through the proxy' });

    proxy.cut();
    await until(() => first.ended(), { what: 'the open connection reset' });
    expect(first.ended()).toBe('ECONNRESET');
    const during = await open();
    await until(() => during.ended() !== null, { what: 'a new connection refused' });
    expect(proxy.refused).toBeGreaterThanOrEqual(1);

    proxy.reopen();
    const after = await open();
    after.socket.write('pong');
    await until(() => after.received() === 'pong', { what: 'the echo after reopening' });
    after.socket.destroy();
  });

  it('holds connections silent, and keeps those silent after reopening, as after a failover', async () => {
    const held = await open();
    proxy.silence();
    const late = await open();
    held.socket.write('lost');
    late.socket.write('lost too');
    proxy.reopen();
    // A connection made after reopening is answered, those silenced are not: had the proxy
    // forwarded their bytes, their echoes would be back before this one.
    const after = await open();
    after.socket.write('back');
    await until(() => after.received() === 'back', { what: 'the echo after the silence' });
    const probe = await open();
    probe.socket.write('again');
    await until(() => probe.received() === 'again', { what: 'a second echo' });
    expect(held.received() + late.received()).toBe('');
    expect([held.ended(), late.ended()]).toEqual([null, null]);
    for (const c of [held, late, after, probe]) c.socket.destroy();
  });
});
