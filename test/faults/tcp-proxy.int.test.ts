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

  it('holds connections silent, then resets them when reopened', async () => {
    const held = await open();
    proxy.silence();
    const late = await open();
    held.socket.write('lost');
    late.socket.write('lost too');
    // Bytes written during a silence never come back; the proof is the echo after reopening, which
    // would carry them first if they had been forwarded.
    proxy.reopen();
    await until(() => held.ended() !== null && late.ended() !== null, { what: 'the silenced connections reset' });
    expect(held.received() + late.received()).toBe('');
    const after = await open();
    after.socket.write('back');
    await until(() => after.received() === 'back', { what: 'the echo after the silence' });
    after.socket.destroy();
  });
});
