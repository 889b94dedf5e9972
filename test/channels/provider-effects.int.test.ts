import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSesEmailTransport } from '../../src/channels/providers/ses-email.ts';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { type RawEnvelope, envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { sesError, startSesLocal, type SesLocal } from '../support/standins/ses-local.ts';
import type { StandinServer } from '../support/standins/standin-server.ts';
import { metaError, start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';
import { until } from '../support/until.ts';

const clock = fixedClock(new Date());
// The service runs on `clock`: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(clock);
let whatsapp: StandinServer;
let ses: SesLocal;
let service: TestService;

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
  ses = await startSesLocal();
  service = await startTestService({
    clock,
    transports: {
      whatsapp: createWhatsApp360DialogTransport({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: whatsapp.url, clock }),
      email: createSesEmailTransport({
        region: 'ap-south-1', endpoint: ses.proxy.url, fromEmailAddress: 'appointments@clinic.example',
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, quotaPauseMs: 60 * 60_000, clock,
      }),
    },
    dispatcher: { pollIntervalMs: 20 },
  });
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await whatsapp?.close();
  await ses?.close();
});

const withPatient = (type: 'appointment.pending_approval' | 'appointment.rejected', person: object): RawEnvelope => {
  const raw = validEnvelope(type);
  (raw.data as { patient: object }).patient = person;
  return raw;
};

const rowsOf = (eventId: string) => service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).orderBy('channel').execute();

describe('what a provider failure means beyond one message', () => {
  it('records a WhatsApp opt-out (131050), suppresses the next WhatsApp message to that patient and falls back to SMS', async () => {
    const person = { id: `pat-${randomUUID()}`, name: 'Meena Iyer', phone: '+919811122233' };
    whatsapp.failNext(1, { status: 400, body: metaError(131050, 'User has stopped marketing messages') });
    const first = withPatient('appointment.pending_approval', person);
    await recordAndProject(service, first);
    const whatsappOf = async (eventId: string) => (await rowsOf(eventId)).find((r) => r.channel === 'whatsapp');
    await until(async () => (await whatsappOf(first.eventId))?.status === 'failed', { what: 'the refused send to fail' });
    // The opt-out is recorded after the send's outcome: the failed status can be seen a moment before it.
    const optOut = await until(async () => (await readStreamToArray(service.store, streamName.contactPreference(service.keys, 'whatsapp', person.phone)))[0], { what: 'the opt-out' });
    expect(optOut).toMatchObject({ type: 'ContactOptedOut', data: { channel: 'whatsapp', personId: person.id, reason: 'provider-opt-out' } });
    const next = withPatient('appointment.pending_approval', person);
    await recordAndProject(service, next);
    // The planner's rows follow the inbound event's projection. A WhatsApp opt-out falls back to SMS
    // at once (README, fallbacks): wait for both rows, not for whichever is planned first.
    const rows = await until(async () => { const found = await rowsOf(next.eventId); return found.length === 2 ? found : null; }, { what: 'the suppressed WhatsApp message and its SMS fallback' });
    expect(rows.map((r) => [r.channel, r.suppression_reason])).toEqual([['sms', null], ['whatsapp', 'opted-out']]);
    const [sms, whatsappRow] = rows as [(typeof rows)[number], (typeof rows)[number]];
    expect(whatsappRow.status).toBe('suppressed');
    expect(sms.fallback_of).toBe(whatsappRow.notification_id);
  });

  it('pauses email on a spent daily quota, holds email meanwhile, and resumes by itself when the pause ends', async () => {
    ses.proxy.failNext(1, sesError(400, 'LimitExceededException', 'Daily message quota exceeded.'));
    const first = withPatient('appointment.rejected', { id: `pat-${randomUUID()}`, name: 'Quota One', email: `q1-${randomUUID().slice(0, 6)}@example.com` });
    await recordAndProject(service, first);
    await until(async () => {
      const events = await readStreamToArray(service.store, streamName.channel('email'));
      return events.some((e) => e.type === 'ChannelPaused');
    }, { what: 'email to be paused' });
    const [paused] = (await readStreamToArray(service.store, streamName.channel('email'))).filter((e) => e.type === 'ChannelPaused');
    expect(paused!.data).toMatchObject({ channel: 'email', kind: 'quota', code: 'LimitExceededException' });

    const second = withPatient('appointment.rejected', { id: `pat-${randomUUID()}`, name: 'Quota Two', email: `q2-${randomUUID().slice(0, 6)}@example.com` });
    await recordAndProject(service, second);
    const sendsWhilePaused = ses.proxy.requests.length;
    clock.advance(30 * 60_000);
    service.dispatcher!.poke();
    await until(async () => (await rowsOf(second.eventId)).find((r) => r.channel === 'email')?.status === 'planned', { what: 'the second email to wait' });
    expect(ses.proxy.requests.length).toBe(sendsWhilePaused);

    clock.advance(61 * 60_000);
    service.dispatcher!.poke();
    await until(async () => {
      const email = (await rowsOf(second.eventId)).find((r) => r.channel === 'email');
      service.dispatcher!.poke();
      return email?.status === 'sent';
    }, { what: 'email to resume after the quota pause', timeoutMs: 15_000 });
    await until(async () => (await rowsOf(first.eventId)).find((r) => r.channel === 'email')?.status === 'sent', { what: 'the first email to be retried and sent' });
  }, 30_000);

  it('pauses WhatsApp when the account is restricted (368) until an admin resumes it; the message that met it waits too, and falls back to nothing', async () => {
    whatsapp.failNext(1, { status: 403, body: metaError(368, 'Temporarily blocked for policies violations') });
    const first = withPatient('appointment.pending_approval', { id: `pat-${randomUUID()}`, name: 'Policy One', phone: '+919822233344' });
    await recordAndProject(service, first);
    await until(async () => (await readStreamToArray(service.store, streamName.channel('whatsapp'))).some((e) => e.type === 'ChannelPaused'), { what: 'WhatsApp to be paused' });
    const second = withPatient('appointment.pending_approval', { id: `pat-${randomUUID()}`, name: 'Policy Two', phone: '+919833344455' });
    await recordAndProject(service, second);
    const before = whatsapp.requests.length;
    clock.advance(24 * 3600_000);
    service.dispatcher!.poke();
    await until(async () => (await rowsOf(second.eventId))[0]?.status === 'planned', { what: 'the message to wait' });
    expect(whatsapp.requests.length).toBe(before);

    const resumed = await service.store.append(streamName.channel('whatsapp'), [{
      id: randomUUID(), type: 'ChannelResumed', data: { channel: 'whatsapp', at: clock.now().toISOString(), actor: 'alice-admin' }, metadata: { actor: 'alice-admin' },
    }], 'any');
    expect(resumed.ok).toBe(true);
    await until(async () => {
      service.dispatcher!.poke();
      return (await rowsOf(second.eventId))[0]?.status === 'sent';
    }, { what: 'WhatsApp to resume', timeoutMs: 15_000 });
    // The account was at fault, not the message: it went out at the resume, on WhatsApp only.
    const met = await until(async () => {
      service.dispatcher!.poke();
      const rows = await rowsOf(first.eventId);
      return rows[0]?.status === 'sent' ? rows : null;
    }, { what: 'the message that met the pause to go out at the resume', timeoutMs: 15_000 });
    expect(met.map((r) => [r.channel, r.status, r.attempts])).toEqual([['whatsapp', 'sent', 2]]);
  }, 30_000);
});
