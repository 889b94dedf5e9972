import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/domain/envelope.ts';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { UPSTREAM_TYPES, validEnvelope } from '../support/envelopes.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

const run = promisify(execFile);
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ dispatcher: { pollIntervalMs: 50 } });
  for (const type of UPSTREAM_TYPES) {
    for (let i = 0; i < 3; i++) {
      const parsed = parseEnvelope(validEnvelope(type));
      if (!parsed.ok) throw new Error('invalid fixture');
      const outcome = await service.intake.record(parsed.value, 'http');
      await service.whenProcessed(outcome.position);
    }
  }
  await until(async () => {
    const open = await service.db.selectFrom('notifications').select('notification_id').where('status', 'in', ['planned', 'sending']).execute();
    return open.length === 0;
  }, { what: 'every notification to be sent', timeoutMs: 30_000 });
}, 120_000);
afterAll(async () => service?.stop());

const replay = () =>
  run('npx', ['tsx', 'src/replay-cli.ts'], { env: { ...process.env, DATABASE_URL: service.database.url, LOG_LEVEL: 'silent' }, cwd: process.cwd() }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );

it('rebuilds every read model from the ledger identical to the live one, without sending anything', async () => {
  const sentBefore = (service.transports.whatsapp as SandboxTransport).sent.length;
  const { code, out } = await replay();
  expect(out).toContain('No differences');
  expect(JSON.parse(out.trim().split('\n').at(-1)!)).toMatchObject({ differences: 0 });
  expect(code).toBe(0);
  expect((service.transports.whatsapp as SandboxTransport).sent.length).toBe(sentBefore);
  const planned = await service.db.selectFrom('notifications').select('notification_id').execute();
  expect(planned.length).toBeGreaterThan(30);
}, 120_000);

it('reports a read model that no longer matches the ledger', async () => {
  await service.db.updateTable('notifications').set({ status: 'read' }).where('channel', '=', 'email').execute();
  const { code, out } = await replay();
  expect(out).toMatch(/DIFFERENCE in notifications/);
  expect(code).toBe(1);
}, 120_000);
