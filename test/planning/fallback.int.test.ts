import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setChannelPolicy } from '../../src/commands/centre-settings/set-channel-policy.ts';
import { clearQuietHours, setQuietHours } from '../../src/commands/centre-settings/set-quiet-hours.ts';
import { syncWhatsAppTemplates } from '../../src/commands/templates/record-whatsapp-template-state.ts';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import type { FallbackPlanned, NotificationPlanned } from '../../src/domain/notifications/notification-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { centre, envelopesOn, type RawEnvelope, type UpstreamEventType } from '../support/envelopes.ts';
import { localDateAfter, slotStart } from '../support/slots.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { start360DialogStandin, STANDIN_360DIALOG_KEY, type Dialog360Standin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { until } from '../support/until.ts';
import { optOutPerson, postWhatsAppStatus, UNDELIVERABLE } from '../support/whatsapp-statuses.ts';

const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
const MINUTE = 60_000;
const WEBHOOK_SECRET = 'fallback-webhook-secret';
let database: TestDatabase;
let service: TestService;
let whatsapp: Dialog360Standin;

const start = () => startTestService({
  clock,
  database,
  templateSync: false,
  dispatcher: { pollIntervalMs: 20 },
  fallbacks: { pollIntervalMs: 50 },
  env: {
    CHANNELS_SANDBOX: 'email,sms,push',
    WHATSAPP_360DIALOG_API_KEY: STANDIN_360DIALOG_KEY,
    WHATSAPP_360DIALOG_BASE_URL: whatsapp.url,
    WHATSAPP_WEBHOOK_SECRET: WEBHOOK_SECRET,
  },
});

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
  database = await createTestDatabase();
  service = await start();
});
afterAll(async () => {
  await service?.stop();
  await whatsapp?.close();
  await database?.drop();
});

/** An event for a patient of its own (opt-outs and receipts stay with the test), WhatsApp only unless the type says more. */
function eventFor(type: UpstreamEventType, patient: Record<string, unknown> = {}): RawEnvelope {
  const raw = validEnvelope(type);
  const data = raw.data as { patient: Record<string, unknown> };
  data.patient = { ...data.patient, id: `pat-${randomUUID()}`, ...patient };
  for (const [key, value] of Object.entries(patient)) if (value === undefined) delete data.patient[key];
  return raw;
}

const rowsOf = (eventId: string) => service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).orderBy('channel').execute();

const rowOn = (eventId: string, channel: string, statuses: string[]) =>
  until(async () => {
    service.dispatcher?.poke();
    const row = (await rowsOf(eventId)).find((r) => r.channel === channel);
    return row && statuses.includes(row.status) ? row : null;
  }, { what: `the ${channel} notification of ${eventId} to be ${statuses.join(' or ')}`, timeoutMs: 15_000 });

const streamOf = (notificationId: string) => readStreamToArray(service.store, streamName.notification(notificationId));
const smsSent = (notificationId: string) => (service.transports.sms as SandboxTransport).sent.filter((m) => m.notificationId === notificationId);

const whatsappStatus = (row: { notification_id: string; provider_message_id: string | null }, status: 'delivered' | 'read' | 'failed', errors?: object[]) =>
  postWhatsAppStatus(service, { secret: WEBHOOK_SECRET, clock }, row, status, errors);

describe('fallback from WhatsApp to SMS', () => {
  it('sends one SMS after a 131026 receipt, once, though the receipt comes three times and the planner reads the ledger again', async () => {
    const raw = eventFor('appointment.completed');
    await recordAndProject(service, raw);
    const original = await rowOn(raw.eventId, 'whatsapp', ['sent']);
    for (let i = 0; i < 3; i++) await whatsappStatus(original, 'failed', UNDELIVERABLE);

    const sms = await rowOn(raw.eventId, 'sms', ['sent']);
    expect(sms.fallback_of).toBe(original.notification_id);
    const stream = await streamOf(sms.notification_id);
    expect(stream.map((e) => e.type)).toEqual(['FallbackPlanned', 'NotificationPlanned', 'AttemptStarted', 'NotificationSent']);
    expect(stream[0]!.data as FallbackPlanned).toMatchObject({ fallbackOf: original.notification_id, channel: 'sms', reason: 'failed', policyVersion: 0 });
    expect((stream[0]!.data as FallbackPlanned).detail).toContain('131026');
    // The same words the patient would have read on WhatsApp, from the SMS template, with the original's deadline.
    const planned = stream[1]!.data as NotificationPlanned;
    const originalPlanned = (await streamOf(original.notification_id))[0]!.data as NotificationPlanned;
    expect(planned).toMatchObject({ channel: 'sms', fallbackOf: original.notification_id, sendBy: originalPlanned.sendBy, recipient: { address: originalPlanned.recipient.address } });
    expect(planned.template?.key).toBe('appointment.completed:sms:en');
    expect(smsSent(sms.notification_id)).toHaveLength(1);

    // The planner reads the whole ledger again, as after a lost checkpoint: it decides the same, and appends nothing new.
    const before = (await rowsOf(raw.eventId)).length;
    await service.stop();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rowCount } = await client.query(`delete from projection_checkpoints where projection = 'planner'`);
    await client.end();
    expect(rowCount).toBe(1);
    service = await start();
    const again = validEnvelope('appointment.completed');
    await recordAndProject(service, again);
    await rowOn(again.eventId, 'whatsapp', ['sent']);
    expect(await rowsOf(raw.eventId)).toHaveLength(before);
    expect(await streamOf(sms.notification_id)).toHaveLength(4);
    expect(smsSent(sms.notification_id)).toHaveLength(0);
  }, 60_000);

  it('falls back when WhatsApp was not delivered 15 minutes after it was sent, and not when it was delivered after 10', async () => {
    const silent = eventFor('appointment.completed');
    const delivered = eventFor('appointment.completed');
    await recordAndProject(service, silent);
    await recordAndProject(service, delivered);
    await rowOn(silent.eventId, 'whatsapp', ['sent']);
    const arrived = await rowOn(delivered.eventId, 'whatsapp', ['sent']);

    clock.advance(10 * MINUTE);
    await whatsappStatus(arrived, 'delivered');
    await rowOn(delivered.eventId, 'whatsapp', ['delivered']);
    clock.advance(5 * MINUTE + 1_000);
    service.fallbacks!.poke();

    const sms = await rowOn(silent.eventId, 'sms', ['sent']);
    const [opened] = await streamOf(sms.notification_id);
    expect(opened!.data).toMatchObject({ reason: 'not-delivered', channel: 'sms' });
    expect((opened!.data as FallbackPlanned).detail).toContain('15 min');

    await service.fallbacks!.drain();
    await service.whenProcessed((await service.store.headPosition())!);
    expect((await rowsOf(delivered.eventId)).map((r) => r.channel)).toEqual(['whatsapp']);
    expect(await service.db.selectFrom('fallback_watches').selectAll().where('notification_id', '=', arrived.notification_id).execute()).toEqual([]);
  }, 60_000);

  it('falls back from a WhatsApp opt-out to SMS at once', async () => {
    const raw = eventFor('appointment.no_show');
    await optOutPerson(service, clock, (raw.data as { patient: { id: string } }).patient.id);
    await recordAndProject(service, raw);
    const original = await rowOn(raw.eventId, 'whatsapp', ['suppressed']);
    const sms = await rowOn(raw.eventId, 'sms', ['sent']);
    expect(sms.fallback_of).toBe(original.notification_id);
    expect((await streamOf(sms.notification_id))[0]!.data).toMatchObject({ reason: 'suppressed', detail: 'opted-out' });
  });

  it('gives a patient without a phone no SMS fallback', async () => {
    const raw = eventFor('appointment.completed', { phone: undefined });
    await recordAndProject(service, raw);
    await rowOn(raw.eventId, 'whatsapp', ['suppressed']);
    await service.whenProcessed((await service.store.headPosition())!);
    const rows = await rowsOf(raw.eventId);
    expect(rows.map((r) => [r.channel, r.suppression_reason])).toEqual([['whatsapp', 'no-contact']]);
  });

  it('never falls back to a channel the event is already planned on', async () => {
    const set = await setChannelPolicy(service.store, { eventType: 'appointment.rejected', primary: ['whatsapp', 'sms', 'email'], actor: 'alice-admin' }, clock.now());
    expect(set.ok).toBe(true);
    const raw = eventFor('appointment.rejected');
    await recordAndProject(service, raw);
    const original = await rowOn(raw.eventId, 'whatsapp', ['sent']);
    await rowOn(raw.eventId, 'sms', ['sent']);
    await whatsappStatus(original, 'failed', UNDELIVERABLE);
    await rowOn(raw.eventId, 'whatsapp', ['failed']);
    await service.whenProcessed((await service.store.headPosition())!);
    expect((await rowsOf(raw.eventId)).map((r) => [r.channel, r.fallback_of])).toEqual([['email', null], ['sms', null], ['whatsapp', null]]);
    expect(((await streamOf(original.notification_id))[0]!.data as NotificationPlanned).fallback).toBeUndefined();
  });

  it('falls back where the policy in force at the trigger says: none, once an admin turned fallback off after the send', async () => {
    const raw = eventFor('clinical.prescription_ready');
    await recordAndProject(service, raw);
    const original = await rowOn(raw.eventId, 'whatsapp', ['sent']);
    const off = await setChannelPolicy(service.store, { eventType: 'clinical.prescription_ready', primary: ['whatsapp', 'email'], fallbacks: [], actor: 'alice-admin' }, clock.now());
    if (!off.ok) throw new Error(JSON.stringify(off.error));
    await whatsappStatus(original, 'failed', UNDELIVERABLE);
    await rowOn(raw.eventId, 'whatsapp', ['failed']);
    await service.whenProcessed((await service.store.headPosition())!);
    expect((await rowsOf(raw.eventId)).map((r) => r.channel)).toEqual(['email', 'whatsapp']);
  });

  it('refuses a policy that makes no sense, naming the field, and records who set one', async () => {
    const refused = await setChannelPolicy(service.store, {
      eventType: 'appointment.cancelled',
      primary: ['whatsapp', 'fax'],
      fallbacks: [{ channel: 'email', then: ['sms'] }, { channel: 'whatsapp', then: ['whatsapp', 'sms', 'sms'] }],
      undeliveredAfterMinutes: 0,
      actor: 'alice-admin',
    }, clock.now());
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.issues.map((i) => i.path)).toEqual([
      'primary[1]', 'fallbacks[0].channel', 'fallbacks[1].then[0]', 'fallbacks[1].then[2]', 'undeliveredAfterMinutes',
    ]);
    const staff = await setChannelPolicy(service.store, { eventType: 'billing.bill_generated', primary: ['email'], actor: 'alice-admin' }, clock.now());
    expect(!staff.ok && staff.error.issues[0]).toMatchObject({ path: 'eventType' });
    expect(await readStreamToArray(service.store, streamName.channelPolicy('appointment.cancelled'))).toEqual([]);

    const set = await setChannelPolicy(service.store, { eventType: 'appointment.cancelled', primary: ['whatsapp'], fallbacks: [{ channel: 'whatsapp', then: ['sms', 'email'] }], centreId: 'centre-elsewhere', actor: 'alice-admin' }, clock.now());
    expect(set.ok && set.value).toMatchObject({ version: 1, policy: { primary: ['whatsapp'], fallbacks: { whatsapp: ['sms', 'email'] }, undeliveredAfterMinutes: 15 } });
    const [recorded] = await readStreamToArray(service.store, streamName.channelPolicy('appointment.cancelled'));
    expect(recorded).toMatchObject({ type: 'ChannelPolicySet', data: { actor: 'alice-admin', centreId: 'centre-elsewhere' }, metadata: { actor: 'alice-admin' } });
  });

  it('suppresses a fallback waiting out quiet hours when the original is delivered meanwhile', async () => {
    clock.set(slotStart({ slotDate: localDateAfter(clock.now(), 1), slotTime: '21:50' }));
    const quiet = await setQuietHours(service.store, { centreId: centre.id, from: '22:00', until: '08:00', actor: 'alice-admin' }, clock.now());
    if (!quiet.ok) throw new Error(JSON.stringify(quiet.error));
    await service.whenProcessed(quiet.value.position);
    const raw = eventFor('appointment.completed');
    await recordAndProject(service, raw);
    const original = await rowOn(raw.eventId, 'whatsapp', ['sent']);

    // 22:05: no receipt yet, so the SMS is planned, and waits for the morning.
    clock.advance(15 * MINUTE + 1_000);
    service.fallbacks!.poke();
    const waiting = await rowOn(raw.eventId, 'sms', ['deferred']);
    expect(waiting.due_at).toEqual(slotStart({ slotDate: localDateAfter(clock.now(), 1), slotTime: '08:00' }));

    clock.advance(30 * MINUTE);
    await whatsappStatus(original, 'delivered');
    const suppressed = await rowOn(raw.eventId, 'sms', ['suppressed']);
    const stream = await streamOf(suppressed.notification_id);
    expect(stream.map((e) => e.type)).toEqual(['FallbackPlanned', 'NotificationPlanned', 'NotificationDeferred', 'NotificationSuppressed']);
    expect(stream.at(-1)!.data).toMatchObject({ reason: 'original-delivered', fallbackOf: original.notification_id });

    // The morning comes and nothing goes.
    clock.set(new Date(waiting.due_at!.getTime() + MINUTE));
    service.dispatcher!.poke();
    await service.whenProcessed((await service.store.headPosition())!);
    expect(smsSent(suppressed.notification_id)).toHaveLength(0);
    const cleared = await clearQuietHours(service.store, { centreId: centre.id, actor: 'alice-admin' }, clock.now());
    if (!cleared.ok) throw new Error(JSON.stringify(cleared.error));
    await service.whenProcessed(cleared.value.position);
  });

  it('falls back to SMS when the WhatsApp template is not approved', async () => {
    // The account has no templates at all: every mapped one is missing.
    whatsapp.setTemplates([]);
    await syncWhatsAppTemplates({ store: service.store, clock, list: service.whatsappTemplates! }, 'alice-admin');
    const raw = eventFor('appointment.completed');
    await recordAndProject(service, raw);
    const original = await rowOn(raw.eventId, 'whatsapp', ['suppressed']);
    expect(original.suppression_reason).toBe('template-not-approved');
    const sms = await rowOn(raw.eventId, 'sms', ['sent']);
    expect((await streamOf(sms.notification_id))[0]!.data).toMatchObject({ fallbackOf: original.notification_id, reason: 'suppressed', detail: 'template-not-approved' });
  });
});
