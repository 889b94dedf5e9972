import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp-names.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { TEST_AMQP_URL, TEST_MASTER_KEY } from '../support/env.ts';
import { TEST_API_TOKENS } from '../support/service.ts';
import { until } from '../support/until.ts';
import { REPO_ROOT } from './support/fresh-clone.ts';
import { ChildCommand, cleanEnv, freePort } from './support/service-process.ts';

// The stop an operator's process manager triggers: `src/main.ts` itself, in its own process, on
// this machine's PostgreSQL and RabbitMQ, signalled the way systemd or Kubernetes signals it.
let database: TestDatabase;
const amqpNames = uniqueAmqpNames('shutdown');
const dataDirs: string[] = [];
let service: ChildCommand | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
}, 30_000);
afterEach(async () => {
  await service?.stop();
  service = undefined;
});
afterAll(async () => {
  await database?.drop();
  await deleteAmqpNames(amqpNames).catch(() => undefined);
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

/** Starts `node src/main.ts` (through tsx's loader, so the signals reach the service's own process) and waits until it is ready. */
async function startMain(): Promise<ChildCommand> {
  const port = await freePort();
  const dataDir = join(tmpdir(), `cnl-shutdown-${randomUUID()}`);
  dataDirs.push(dataDir);
  const child = new ChildCommand(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: cleanEnv({
      DATABASE_URL: database.url,
      AMQP_URL: TEST_AMQP_URL,
      ...amqpNames,
      AMQP_QUEUE_TYPE: 'classic',
      API_TOKENS: TEST_API_TOKENS,
      LEDGER_MASTER_KEY: TEST_MASTER_KEY,
      CHANNELS_SANDBOX: 'all',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    }),
  });
  service = child;
  let hasExited = false;
  void child.exited.then(() => (hasExited = true));
  await until(async () => hasExited || (await fetch(`http://127.0.0.1:${port}/readyz`).then((res) => res.ok, () => false)), {
    what: 'the service to be ready',
    timeoutMs: 60_000,
  });
  expect(hasExited, child.output).toBe(false);
  return child;
}

/** The JSON log lines that say the service is stopping. */
const stoppingLines = (child: ChildCommand) =>
  child.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; signal?: string })
    .filter((entry) => entry.msg === 'stopping');

describe('stopping the service process', () => {
  it('stops cleanly on SIGTERM: it says so, and exits 0', async () => {
    // Given the service running and ready
    const child = await startMain();

    // When its process manager sends SIGTERM
    child.signal('SIGTERM');

    // Then it logs the stop and exits with 0 once every part has stopped
    expect(await child.exited, child.output).toBe(0);
    expect(stoppingLines(child), child.output).toEqual([expect.objectContaining({ signal: 'SIGTERM' })]);
    expect(child.stdout + child.stderr).not.toMatch(/shutdown step failed|stopped with an error/);
  }, 90_000);

  it('finishes the stop it began when a second signal comes during it, and still exits 0', async () => {
    // Given the service running and ready
    const child = await startMain();

    // When SIGTERM comes, and an impatient operator's Ctrl-C right behind it (two different
    // signals, so the kernel cannot merge them into one; the stop takes far longer than a turn)
    child.signal('SIGTERM');
    child.signal('SIGINT');

    // Then the second neither starts another stop nor cuts the first one short: one clean exit 0
    expect(await child.exited, child.output).toBe(0);
    expect(stoppingLines(child), child.output).toHaveLength(1);
    expect(child.stdout + child.stderr).not.toMatch(/shutdown step failed|stopped with an error/);
  }, 90_000);
});
