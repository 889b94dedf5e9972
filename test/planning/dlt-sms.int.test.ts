import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setChannelPolicy } from '../../src/commands/centre-settings/set-channel-policy.ts';
import { publishTemplateVersion } from '../../src/commands/templates/template-commands.ts';
import type { NotificationPlanned, NotificationSuppressed } from '../../src/domain/notifications/notification-events.ts';
import type { RenderedFor } from '../../src/domain/templates/rendered-message.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { envelopesOn, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { headerOf, type StandinServer } from '../support/standins/standin-server.ts';
import { startMsg91Standin, STANDIN_MSG91_AUTH_KEY, type Msg91Standin } from '../support/standins/msg91-standin.ts';
import { startTwilioStandin, STANDIN_TWILIO_ACCOUNT_SID, STANDIN_TWILIO_AUTH_TOKEN } from '../support/standins/twilio-standin.ts';
import { until } from '../support/until.ts';

/*
 * Patient SMS under India's DLT, through the service as deployed: SMS_ROUTES sends +91 numbers to
 * MSG91's Flow API and the rest to Twilio, and a clinic's policy makes SMS the channel of completed
 * visits. The template version carries its DLT registration and its MSG91 template; the planner checks
 * every variable against the registration before anything reaches a provider.
 */

const clock = fixedClock(FIXTURE_NOW);
const { validEnvelope } = envelopesOn(clock);
const MSG91_TEMPLATE_ID = '65f0c0ffee0123456789abcd';
const DLT_TEMPLATE_ID = '1207161234567890123';
const TWILIO_FROM = '+14155550100';
let msg91: Msg91Standin;
let twilio: StandinServer;
let service: TestService;
let templateVersion: number;

beforeAll(async () => {
  [msg91, twilio] = await Promise.all([startMsg91Standin(), startTwilioStandin()]);
  service = await startTestService({
    clock,
    dispatcher: { pollIntervalMs: 20 },
    env: {
      CHANNELS_SANDBOX: 'whatsapp,email,push',
      SMS_ROUTES: '+91=msg91,*=twilio',
      MSG91_AUTH_KEY: STANDIN_MSG91_AUTH_KEY,
      MSG91_BASE_URL: msg91.url,
      MSG91_WEBHOOK_SECRET: 'dlt-reports-5c1e8a90b27f43d6e1',
      TWILIO_ACCOUNT_SID: STANDIN_TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: STANDIN_TWILIO_AUTH_TOKEN,
      TWILIO_FROM,
      TWILIO_BASE_URL: twilio.url,
    },
  });
  const deps = { store: service.store, clock };
  // The text as registered on the DLT platform, and the MSG91 template made from it, variable by variable.
  const published = await publishTemplateVersion(deps, {
    key: { eventType: 'appointment.completed', channel: 'sms', locale: 'en', centreId: null },
    actor: 'alice-admin',
    content: {
      channel: 'sms',
      text: 'Dear {{ patientName }}, thank you for visiting {{ centreName }} on {{ slotDate }}. Ref {{ bookingReference }}.',
      dlt: {
        templateId: DLT_TEMPLATE_ID,
        registeredText: 'Dear {#var#}, thank you for visiting {#var#} on {#var#}. Ref {#var#}.',
        category: 'service-implicit',
        variableTypes: ['text', 'text', 'date', 'reference'],
      },
      provider: {
        templateId: MSG91_TEMPLATE_ID,
        variables: { name: '{{ patientName }}', centre: '{{ centreName }}', date: '{{ slotDate }}', ref: '{{ bookingReference }}' },
      },
    },
  });
  if (!published.ok) throw new Error(`the SMS template was refused: ${JSON.stringify(published.error)}`);
  templateVersion = published.value.version;
  const policy = await setChannelPolicy(service.store, { eventType: 'appointment.completed', primary: ['sms'], actor: 'alice-admin' }, clock.now());
  if (!policy.ok) throw new Error(`the channel policy was refused: ${JSON.stringify(policy.error)}`);
  await service.whenProcessed(policy.value.position);
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await Promise.all([msg91?.close(), twilio?.close()]);
});

/** A completed visit of a patient of its own, with this name and phone. */
function completedVisit(patient: { name: string; phone: string }): RawEnvelope {
  const raw = validEnvelope('appointment.completed');
  const data = raw.data as { patient: Record<string, unknown> };
  data.patient = { ...data.patient, id: `pat-${randomUUID()}`, ...patient };
  return raw;
}

const rowsOf = (eventId: string) => service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).execute();

/** The event's one notification once it reads `status`: the policy plans SMS alone. */
function untilOnly(raw: RawEnvelope, status: string) {
  return until(async () => {
    service.dispatcher?.poke();
    const rows = await rowsOf(raw.eventId);
    if (rows.length > 1) throw new Error(`more than one notification: ${rows.map((r) => r.channel).join(', ')}`);
    if (rows[0] && rows[0].status !== status) throw new Error(`the ${rows[0].channel} notification is ${rows[0].status}`);
    return rows[0]?.channel === 'sms' ? rows[0] : null;
  }, { what: `the SMS of ${raw.eventId} to be ${status}`, timeoutMs: 15_000 });
}

const streamOf = (notificationId: string) => readStreamToArray(service.store, streamName.notification(notificationId));

/** Every request either stand-in received, as text: what a provider was ever told. */
const everythingProvidersSaw = () => [...msg91.requests, ...twilio.requests].map((r) => r.text).join('\n');

describe('patient SMS under DLT', () => {
  it('sends an Indian number through MSG91 with the template id and the named variables', async () => {
    const raw = completedVisit({ name: 'Asha Verma', phone: '+919876543210' });
    await recordAndProject(service, raw);
    const row = await untilOnly(raw, 'sent');

    expect(row).toMatchObject({ provider: 'msg91', template_key: 'appointment.completed:sms:en', template_version: templateVersion });
    // The request MSG91 answered with the id the notification records, exactly as it was posted.
    expect(msg91.sends.filter((s) => s.requestId === row.provider_message_id)).toHaveLength(1);
    const [request] = msg91.requests.filter((r) => r.text.includes('"Asha Verma"'));
    expect(request!.path).toBe('/api/v5/flow');
    expect(headerOf(request!, 'authkey')).toBe(STANDIN_MSG91_AUTH_KEY);
    expect(JSON.parse(request!.text)).toEqual({
      template_id: MSG91_TEMPLATE_ID,
      short_url: '0',
      recipients: [{ mobiles: '919876543210', name: 'Asha Verma', centre: 'Leap Clinic Indiranagar', date: 'Thursday, 26 November 2026', ref: 'BK-1001' }],
    });
    // What was checked and recorded is what went out: the planned message names both registrations.
    const planned = (await streamOf(row.notification_id))[0]!.data as NotificationPlanned;
    const content = planned.content as RenderedFor<'sms'>;
    expect(content).toMatchObject({ dltTemplateId: DLT_TEMPLATE_ID, providerTemplate: { templateId: MSG91_TEMPLATE_ID, variables: { name: 'Asha Verma', ref: 'BK-1001' } } });
    expect(content.text).toBe('Dear Asha Verma, thank you for visiting Leap Clinic Indiranagar on Thursday, 26 November 2026. Ref BK-1001.');
    expect(twilio.requests.filter((r) => new URLSearchParams(r.text).get('To') === '+919876543210')).toEqual([]);
  });

  it.each([
    ['a name of 31 characters', 'Venkatalakshmi Subrahmanyaswamy', 'is 31 characters; DLT allows at most 30'],
    ['a link the template does not declare', 'Asha https://win.example/p', 'carries a link, and the registered template declares none'],
  ])('suppresses %s as dlt-mismatch, naming the template and the variable, and tells no provider', async (_case, name, problem) => {
    const raw = completedVisit({ name, phone: '+919876543210' });
    await recordAndProject(service, raw);
    const row = await untilOnly(raw, 'suppressed');

    expect(row.suppression_reason).toBe('dlt-mismatch');
    const stream = await streamOf(row.notification_id);
    expect(stream.map((e) => e.type)).toEqual(['NotificationSuppressed']);
    expect(stream[0]!.data as NotificationSuppressed).toMatchObject({
      reason: 'dlt-mismatch',
      detail: `template appointment.completed:sms:en v${templateVersion}, variable name: ${problem}`,
    });
    // Suppressed when planned, so no send is ever due: nothing about this patient reached MSG91 or Twilio.
    await service.whenProcessed((await service.store.headPosition())!);
    expect(await rowsOf(raw.eventId)).toHaveLength(1);
    expect(everythingProvidersSaw()).not.toContain(name.split(' ')[1]!);
  });

  it('sends a +44 number through Twilio as plain text', async () => {
    const raw = completedVisit({ name: 'Oliver Hughes', phone: '+447911123456' });
    await recordAndProject(service, raw);
    const row = await untilOnly(raw, 'sent');

    expect(row.provider).toBe('twilio');
    const form = twilio.requests.map((r) => new URLSearchParams(r.text)).find((f) => f.get('To') === '+447911123456');
    expect(form && Object.fromEntries(form)).toMatchObject({
      To: '+447911123456',
      From: TWILIO_FROM,
      Body: 'Dear Oliver Hughes, thank you for visiting Leap Clinic Indiranagar on Thursday, 26 November 2026. Ref BK-1001.',
    });
    expect(msg91.sends.some((s) => s.recipients.some((r) => r.mobiles === '447911123456'))).toBe(false);
    expect(everythingProvidersSaw().split('Oliver').length - 1).toBe(1);
  });
});
