import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_MASTER_KEY } from '../support/env.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../first-run/support/fresh-clone.ts';
import { ChildCommand, cleanEnv, freePort } from '../first-run/support/service-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { INGEST_TOKEN, TEST_API_TOKENS } from '../support/service.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { until } from '../support/until.ts';
import { FAULT_TIMEOUTS } from './support/fault-harness.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

// In a test's own process a crash is an error vitest reports; here it is what an operator sees:
// the process gone. The service runs as `node src/main.ts` would, on PostgreSQL through the proxy.
let database: TestDatabase;
let proxy: TcpProxy;
let service: ChildCommand;
let baseUrl: string;
const dataDir = join(tmpdir(), `cnl-faults-${randomUUID()}`);

beforeAll(async () => {
  database = await createTestDatabase();
  const url = new URL(database.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  service = new ChildCommand(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: cleanEnv({
      DATABASE_URL: proxy.url(database.url),
      API_TOKENS: TEST_API_TOKENS,
      LEDGER_MASTER_KEY: TEST_MASTER_KEY,
      CHANNELS_SANDBOX: 'all',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...FAULT_TIMEOUTS,
    }),
  });
  await until(async () => (await fetch(`${baseUrl}/healthz`)).ok, { what: 'the service process to answer', timeoutMs: 45_000 });
}, 60_000);
afterAll(async () => {
  proxy?.reopen();
  await service?.stop();
  await proxy?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const postEvent = () =>
  fetch(`${baseUrl}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(validEnvelope('appointment.pending_approval')),
  }).then((res) => res.status, () => 0);

describe('the service process when PostgreSQL connections are reset', () => {
  it('survives a cut with connections checked out, and records again once PostgreSQL is back', async () => {
    // Given requests in flight, each holding a pooled connection while it records
    let isLoading = true;
    const statuses: number[] = [];
    const load = Promise.all(Array.from({ length: 8 }, async () => {
      while (isLoading) statuses.push(await postEvent());
    }));
    await until(() => statuses.filter((s) => s === 202).length >= 20, { what: 'events being recorded', timeoutMs: 20_000 });

    // When every connection is cut, and stays cut until the service has noticed and kept trying
    let hasExited = false;
    void service.exited.then(() => (hasExited = true));
    proxy.cut();
    await until(() => hasExited || proxy.refused >= 3, { what: 'the service to try PostgreSQL again (or die)', timeoutMs: 15_000 });
    proxy.reopen();
    isLoading = false;
    await load;

    // Then the process is still there, said what it lost, and records again
    expect(hasExited, service.output).toBe(false);
    expect(service.stdout).toContain('PostgreSQL connection lost');
    await until(async () => (await postEvent()) === 202, { what: 'an event recorded after the cut', timeoutMs: 15_000 });
    await until(async () => (await fetch(`${baseUrl}/readyz`)).ok, { what: 'the service ready again', timeoutMs: 15_000 });
  }, 90_000);
});
