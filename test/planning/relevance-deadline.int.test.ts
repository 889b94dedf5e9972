import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { resumeChannel } from '../../src/commands/notifications/resume-channel.ts';
import { setRelevanceDeadline } from '../../src/commands/centre-settings/set-relevance-deadline.ts';
import type { NotificationPlanned } from '../../src/domain/notifications/notification-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { centre, envelopesOn, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { metaError, start360DialogStandin, STANDIN_360DIALOG_KEY, type Dialog360Standin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { until } from '../support/until.ts';

const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
const MINUTE = 60_000;
let service: TestService;
let whatsapp: Dialog360Standin;

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
  service = await startTestService({
    clock,
    transports: { whatsapp: createWhatsApp360DialogTransport({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: whatsapp.url, clock }) },
    dispatcher: { pollIntervalMs: 20, backoffBaseMs: 1_000, backoffMaxMs: 2_000 },
  });
});
afterAll(async () => {
  await service?.stop();
  await whatsapp?.close();
});

const rowOf = async (eventId: string) => (await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).execute())[0];
const streamOf = async (notificationId: string) => readStreamToArray(service.store, streamName.notification(notificationId));

async function untilStatus(raw: RawEnvelope, status: string) {
  return until(async () => {
    service.dispatcher!.poke();
    const row = await rowOf(raw.eventId);
    return row?.status === status ? row : null;
  }, { what: `the notification of ${raw.eventId} to be ${status}`, timeoutMs: 15_000 });
}

describe('relevance deadlines', () => {
  it('plans a walk-in call with a deadline 15 minutes after we received it', async () => {
    const raw = validEnvelope('walkin.token_called');
    const received = clock.now();
    await recordAndProject(service, raw);
    const row = await untilStatus(raw, 'sent');
    const [planned] = await streamOf(row.notification_id);
    expect((planned!.data as NotificationPlanned).sendBy).toBe(new Date(received.getTime() + 15 * MINUTE).toISOString());
  });

  it('expires a walk-in call a failing provider held up past its deadline, and never sends it late', async () => {
    whatsapp.failNext(100, { status: 503, body: metaError(131000, 'Something went wrong') });
    const raw = validEnvelope('walkin.token_called');
    await recordAndProject(service, raw);
    const failing = await until(async () => {
      const row = await rowOf(raw.eventId);
      return row && row.attempts >= 1 && row.status === 'planned' ? row : null;
    }, { what: 'the first attempt to fail and wait for its retry' });

    clock.advance(20 * MINUTE);
    const expired = await untilStatus(raw, 'expired');
    whatsapp.reset();
    const types = (await streamOf(failing.notification_id)).map((e) => e.type);
    expect(types.at(-1)).toBe('NotificationExpired');
    expect(types).not.toContain('NotificationSent');
    expect((await streamOf(expired.notification_id)).at(-1)!.data).toMatchObject({ reason: 'retries-ran-past-deadline' });
  });

  it('expires a walk-in call that waited out its deadline behind a paused channel, when the channel is resumed', async () => {
    // A restricted account pauses WhatsApp until an admin resumes it.
    whatsapp.failNext(1, { status: 403, body: metaError(368, 'Temporarily blocked for policies violations') });
    const trigger = validEnvelope('appointment.pending_approval');
    await recordAndProject(service, trigger);
    await until(async () => (await readStreamToArray(service.store, streamName.channel('whatsapp'))).some((e) => e.type === 'ChannelPaused'), { what: 'WhatsApp to be paused' });

    const call = validEnvelope('walkin.token_called');
    await recordAndProject(service, call);
    clock.advance(20 * MINUTE);
    const before = whatsapp.requests.length;
    const resumed = await resumeChannel({ store: service.store, clock }, 'whatsapp', 'alice-admin');
    expect(resumed.ok).toBe(true);
    await untilStatus(call, 'expired');
    // The message that met the pause waited too and, still in time, goes out at the resume; the call
    // was expired, not sent late: it is the only other request the provider got.
    await untilStatus(trigger, 'sent');
    expect(whatsapp.requests.length).toBe(before + 1);
  });

  it('plans with the rule an admin set, at that centre only, from the next event on', async () => {
    const before = validEnvelope('walkin.token_called');
    await recordAndProject(service, before);
    const set = await setRelevanceDeadline(service.store, { eventType: 'walkin.token_called', rule: { kind: 'after-receipt', minutes: 5 }, centreId: centre.id, actor: 'alice-admin' }, clock.now());
    expect(set.ok).toBe(true);
    const here = validEnvelope('walkin.token_called');
    const elsewhere = validEnvelope('walkin.token_called');
    (elsewhere.data as { centre: object }).centre = { ...centre, id: 'centre-elsewhere' };
    const received = clock.now().getTime();
    await recordAndProject(service, here);
    await recordAndProject(service, elsewhere);
    const sendBy = async (raw: RawEnvelope) => ((await streamOf((await untilStatus(raw, 'sent')).notification_id))[0]!.data as NotificationPlanned).sendBy;
    expect(await sendBy(here)).toBe(new Date(received + 5 * MINUTE).toISOString());
    expect(await sendBy(elsewhere)).toBe(new Date(received + 15 * MINUTE).toISOString());
    expect(await sendBy(before)).toBe(new Date(received + 15 * MINUTE).toISOString());
  });

  it('refuses a rule that does not fit the event type, naming the field, and records nothing', async () => {
    const refused = await setRelevanceDeadline(service.store, { eventType: 'billing.bill_generated', rule: { kind: 'slot-start' }, actor: 'alice-admin' }, clock.now());
    expect(refused).toEqual({ ok: false, error: { kind: 'invalid-setting', issues: [{ path: 'rule.kind', message: expect.stringContaining('names no slot') }] } });
    expect(await readStreamToArray(service.store, streamName.deadlineRules('billing.bill_generated'))).toEqual([]);
    const unknown = await setRelevanceDeadline(service.store, { eventType: 'made.up', rule: { kind: 'after-receipt', minutes: 5 }, actor: 'alice-admin' }, clock.now());
    expect(!unknown.ok && unknown.error.issues[0]!.path).toBe('eventType');
  });
});

