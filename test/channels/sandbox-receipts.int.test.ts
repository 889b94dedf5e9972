import { afterAll, beforeAll, expect, it } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { SANDBOX_RECEIPTS: 'true' }, dispatcher: { pollIntervalMs: 20 } });
});
afterAll(async () => service?.stop());

it('reports sandbox messages delivered, and WhatsApp read, as simulated by the sandbox', async () => {
  const raw = validEnvelope('appointment.confirmed');
  await recordAndProject(service, raw);
  const rows = await until(async () => {
    const found = await service.db.selectFrom('notifications').select(['notification_id', 'channel', 'status']).where('event_id', '=', raw.eventId).orderBy('channel').execute();
    return found.length === 2 && found[0]!.status === 'delivered' && found[1]!.status === 'read' ? found : null;
  }, { what: 'email delivered and WhatsApp read', timeoutMs: 15_000 });
  const reports = (await readStreamToArray(service.store, streamName.notification(rows[1]!.notification_id))).filter((e) => e.type === 'StatusReported');
  expect(reports.map((e) => e.data)).toEqual([
    expect.objectContaining({ provider: 'sandbox', status: 'delivered', detail: 'simulated by the sandbox' }),
    expect.objectContaining({ provider: 'sandbox', status: 'read' }),
  ]);
});
