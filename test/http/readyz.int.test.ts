import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readinessChecks } from '../../src/http/readiness.ts';
import { startTestService, type TestService } from '../support/service.ts';

let service: TestService;

beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => service?.stop());

describe('/readyz', () => {
  it('reports the database and the ledger reachable', async () => {
    const response = await fetch(new URL('/readyz', service.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ database: true, ledger: true });
  });

  it('reports a broker that answers as reachable and one that does not as unreachable', async () => {
    const listening = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const { port } = listening.address() as { port: number };
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      expect(await readinessChecks({ up: `amqp://guest:guest@127.0.0.1:${port}`, down: `amqp://guest:guest@127.0.0.1:${closedPort}` })).toEqual({ up: true, down: false });
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });
});
