import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { realClock } from '../support/clock.ts';
import { type RawEnvelope, envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { metaError, start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';
import type { StandinServer } from '../support/standins/standin-server.ts';
import { until } from '../support/until.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

const publish = (service: TestService, raw: RawEnvelope) => recordAndProject(service, raw);

const rowsOf = (service: TestService, eventId: string) =>
  service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).execute();

const settled = (service: TestService, eventId: string) =>
  until(async () => {
    const rows = await rowsOf(service, eventId);
    return rows.length > 0 && rows.every((r) => ['sent', 'failed', 'suppressed'].includes(r.status)) ? rows : null;
  }, { what: `notifications of ${eventId} to settle`, timeoutMs: 15_000 });

/** The event's WhatsApp notification once settled: a permanent failure adds an SMS fallback beside it, in no set order. */
const settledWhatsApp = async (service: TestService, eventId: string) => {
  const rows = await settled(service, eventId);
  const whatsapp = rows.filter((r) => r.channel === 'whatsapp');
  expect(whatsapp).toHaveLength(1);
  return whatsapp[0]!;
};

describe('retries through a provider', () => {
  let standin: StandinServer;
  let service: TestService;
  beforeAll(async () => {
    standin = await start360DialogStandin();
    service = await startTestService({
      transports: { whatsapp: createWhatsApp360DialogTransport({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url }) },
      dispatcher: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 20 },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await standin?.close();
  });

  it('retries a throttled send twice and then sends it: 3 attempts, status sent', async () => {
    standin.reset();
    standin.failNext(2, { status: 400, body: metaError(130429, 'Rate limit hit') });
    const raw = validEnvelope('appointment.pending_approval');
    await publish(service, raw);
    const row = await settledWhatsApp(service, raw.eventId);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, provider: '360dialog', last_error_code: '130429' });
    expect(row.provider_message_id).toMatch(/^wamid\./);
    expect(standin.requests).toHaveLength(3);
    const types = (await readStreamToArray(service.store, streamName.notification(row.notification_id))).map((e) => e.type);
    expect(types).toEqual(['NotificationPlanned', 'AttemptStarted', 'AttemptFailed', 'AttemptStarted', 'AttemptFailed', 'AttemptStarted', 'NotificationSent']);
  });

  it('fails a permanent error after one attempt, with the provider code in the ledger', async () => {
    standin.reset();
    standin.failNext(1, { status: 400, body: metaError(131026, 'Message undeliverable') });
    const raw = validEnvelope('appointment.pending_approval');
    await publish(service, raw);
    const row = await settledWhatsApp(service, raw.eventId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error_code: '131026' });
    const stream = await readStreamToArray(service.store, streamName.notification(row.notification_id));
    expect(stream.map((e) => e.type)).toEqual(['NotificationPlanned', 'AttemptStarted', 'AttemptFailed', 'NotificationFailed']);
    expect(stream[2]!.data).toMatchObject({ retryable: false, code: '131026', provider: '360dialog' });
  });
});

describe('rate limit', () => {
  let service: TestService;
  beforeAll(async () => {
    // The limiter counts on the clock the sandbox stamps its sends with: the machine's wall clock and
    // its monotonic one drift apart by a few milliseconds a second here, enough to blur a 1 s window.
    service = await startTestService({ env: { WHATSAPP_PER_SECOND: '5' }, dispatcher: { pollIntervalMs: 20, rateClock: () => Date.now() } });
  });
  afterAll(async () => service?.stop());

  it('never sends more than N WhatsApp messages in any second over a burst', async () => {
    const events = Array.from({ length: 16 }, () => validEnvelope('appointment.pending_approval'));
    await Promise.all(events.map((e) => publish(service, e)));
    const sandbox = service.transports.whatsapp as SandboxTransport;
    const ids = new Set(events.map((e) => e.eventId));
    await until(async () => {
      const rows = await service.db.selectFrom('notifications').select('status').where('event_id', 'in', [...ids]).execute();
      return rows.length === 16 && rows.every((r) => r.status === 'sent');
    }, { what: 'the burst to be sent', timeoutMs: 20_000 });
    const times = sandbox.sent.map((m) => m.at).sort((a, b) => a - b);
    expect(times).toHaveLength(16);
    // Five per sliding second: the sixth send of any run comes a second after the first. The sandbox
    // notes each send a moment after the limiter let it go, and on a busy machine that moment varies
    // by tens of milliseconds, so the bound allows 50 ms of it; a sixth send in the same second would
    // come hundreds of milliseconds early.
    for (let i = 0; i + 5 < times.length; i++) expect(times[i + 5]! - times[i]!).toBeGreaterThanOrEqual(950);
  }, 30_000);
});

describe('several dispatchers, crashes', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('sends each notification exactly once with two service instances dispatching at once', async () => {
    const first = await startTestService({ database, dispatcher: { pollIntervalMs: 20 } });
    const second = await startTestService({ database, dispatcher: { pollIntervalMs: 20 } });
    try {
      const events = Array.from({ length: 30 }, () => validEnvelope('appointment.confirmed'));
      await Promise.all(events.map((e, i) => publish(i % 2 ? first : second, e)));
      const eventIds = events.map((e) => e.eventId);
      await until(async () => {
        const rows = await first.db.selectFrom('notifications').select('status').where('event_id', 'in', eventIds).execute();
        return rows.length === 60 && rows.every((r) => r.status === 'sent');
      }, { what: '60 notifications sent', timeoutMs: 20_000 });
      const sent = [first, second].flatMap((s) => (['whatsapp', 'email'] as const).flatMap((c) => (s.transports[c] as SandboxTransport).sent));
      const ids = sent.map((m) => m.notificationId);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
    } finally {
      await first.stop();
      await second.stop();
    }
  }, 60_000);

  it('retries an attempt left open by a crashed worker and marks it a possible duplicate', async () => {
    const planner = await startTestService({ database, dispatch: false });
    const raw = validEnvelope('appointment.pending_approval');
    let notificationId: string;
    try {
      await publish(planner, raw);
      const [row] = await rowsOf(planner, raw.eventId);
      notificationId = row!.notification_id;
      // A worker took it and died before recording an outcome.
      const stream = streamName.notification(notificationId);
      const started = await planner.store.append(stream, [{
        id: randomUUID(),
        type: 'AttemptStarted',
        data: { notificationId, attempt: 1, worker: 'crashed-worker', startedAt: new Date(Date.now() - 120_000).toISOString(), possibleDuplicate: false },
      }], 0n);
      if (!started.ok) throw started.error;
      await planner.whenProcessed(started.position);
    } finally {
      await planner.stop();
    }
    const dispatcher = await startTestService({ database, env: { DISPATCH_ATTEMPT_TIMEOUT_MS: '60000' }, dispatcher: { pollIntervalMs: 20 } });
    try {
      const [row] = await settled(dispatcher, raw.eventId);
      expect(row).toMatchObject({ status: 'sent', attempts: 2, possible_duplicate: true });
      const events = await readStreamToArray(dispatcher.store, streamName.notification(notificationId!));
      expect(events.filter((e) => e.type === 'AttemptStarted').map((e) => (e.data as { possibleDuplicate: boolean }).possibleDuplicate)).toEqual([false, true]);
      expect((dispatcher.transports.whatsapp as SandboxTransport).sent.map((m) => m.notificationId)).toEqual([notificationId!]);
    } finally {
      await dispatcher.stop();
    }
  }, 60_000);
});
