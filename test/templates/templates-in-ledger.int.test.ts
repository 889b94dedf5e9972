import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { retryNotification } from '../../src/commands/notifications/retry-notification.ts';
import { publishTemplateVersion, retireTemplate } from '../../src/commands/templates/template-commands.ts';
import type { NotificationPlanned } from '../../src/domain/notifications/notification-events.ts';
import { renderRecordedVersion } from '../../src/domain/templates/recorded-content.ts';
import type { WhatsAppContent } from '../../src/domain/templates/template-content.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { centre, patient, secondPatient, type RawEnvelope, envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import type { StandinServer } from '../support/standins/standin-server.ts';
import { metaError, start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';

const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { validEnvelope } = envelopesOn(clock);
let service: TestService;
let standin: StandinServer;
let renders = 0;

beforeAll(async () => {
  standin = await start360DialogStandin();
  service = await startTestService({
    clock,
    transports: { whatsapp: createWhatsApp360DialogTransport({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url }) },
    dispatcher: {
      pollIntervalMs: 20,
      // Counts the only render the dispatcher may make: of a notification planned before words were recorded.
      render: (planned) => {
        renders += 1;
        return renderRecordedVersion(planned);
      },
    },
  });
});
afterAll(async () => {
  await service?.stop();
  await standin?.close();
});

const deps = () => ({ store: service.store, clock });
/** What the provider was asked to send for each request: the template name and body parameters. */
const sentTemplates = () =>
  standin.requests.filter((r) => r.path === '/messages').map((r) => {
    const body = JSON.parse(r.text) as { template: { name: string; language: { code: string }; components: { type: string; parameters: { text: string }[] }[] } };
    return { name: body.template.name, language: body.template.language.code, parameters: body.template.components.find((c) => c.type === 'body')?.parameters.map((p) => p.text) ?? [] };
  });

const pendingApproval = (overrides: { patient?: object; centre?: object } = {}): RawEnvelope => {
  const raw = validEnvelope('appointment.pending_approval');
  return { ...raw, data: { ...raw.data, ...overrides } };
};

async function settledRow(eventId: string, status = ['sent', 'suppressed', 'failed']) {
  return until(async () => {
    const [row] = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).where('channel', '=', 'whatsapp').execute();
    return row && status.includes(row.status) ? row : null;
  }, { what: `the WhatsApp notification of ${eventId} to settle` });
}

const plannedOf = async (notificationId: string) => {
  const [first] = await readStreamToArray(service.store, streamName.notification(notificationId));
  return first!.data as NotificationPlanned;
};

const whatsapp = (name: string, body: string, parameters: string[], language = 'en'): WhatsAppContent => ({
  channel: 'whatsapp',
  name,
  language,
  category: 'UTILITY',
  body,
  parameters,
});

async function publish(key: string, content: WhatsAppContent) {
  const [eventType, channel, rest] = key.split(':') as [string, string, string];
  const [locale, centreId] = rest.split('@') as [string, string | undefined];
  const result = await publishTemplateVersion(deps(), { key: { eventType: eventType as 'appointment.pending_approval', channel: channel as 'whatsapp', locale, centreId: centreId ?? null }, content, actor: 'alice-admin' });
  if (!result.ok) throw new Error(`publish refused: ${JSON.stringify(result.error)}`);
  return result.value;
}

describe('templates versioned in the ledger', () => {
  it('installs the shipped templates once, as system', async () => {
    const stream = await readStreamToArray(service.store, streamName.template('appointment.pending_approval:whatsapp:en'));
    expect(stream.length).toBeGreaterThanOrEqual(1);
    expect(stream.every((e) => (e.data as { publishedBy: string }).publishedBy === 'system')).toBe(true);
    expect(stream.map((e) => (e.data as { version: number }).version)).toEqual(stream.map((_, i) => i + 1));
  });

  it('plans the next event with a newly published version, and records the words it sent', async () => {
    const before = pendingApproval();
    await recordAndProject(service, before);
    const old = await settledRow(before.eventId);

    const published = await publish('appointment.pending_approval:whatsapp:en', whatsapp('booking_received_v3', 'Hello {{1}}, we have your request {{2}} and will confirm it soon.', ['{{ patientName }}', '{{ bookingReference }}']));
    expect(published.created).toBe(true);

    const after = pendingApproval();
    await recordAndProject(service, after);
    const row = await settledRow(after.eventId);
    expect(row).toMatchObject({ status: 'sent', template_key: 'appointment.pending_approval:whatsapp:en', template_version: published.version });
    expect(old.template_version).toBeLessThan(published.version);

    const planned = await plannedOf(row.notification_id);
    expect(planned.content).toEqual({
      channel: 'whatsapp',
      templateName: 'booking_received_v3',
      languageCode: 'en',
      bodyParameters: ['Asha Verma', 'BK-1001'],
      previewText: 'Hello Asha Verma, we have your request BK-1001 and will confirm it soon.',
    });
    expect(sentTemplates().at(-1)).toEqual({ name: 'booking_received_v3', language: 'en', parameters: ['Asha Verma', 'BK-1001'] });
  });

  it('sends a notification planned before a change with its recorded words, when an admin retries it after the change', async () => {
    await publish('appointment.pending_approval:whatsapp:en', whatsapp('booking_received_v4', 'Hi {{1}}, request {{2}} is with the doctor now.', ['{{ patientName }}', '{{ bookingReference }}']));
    standin.failNext(1, { status: 400, body: metaError(131026, 'Message undeliverable') });
    const raw = pendingApproval();
    await recordAndProject(service, raw);
    const failed = await settledRow(raw.eventId);
    expect(failed.status).toBe('failed');

    await publish('appointment.pending_approval:whatsapp:en', whatsapp('booking_received_v5', 'Dear {{1}}, booking {{2}} awaits approval.', ['{{ patientName }}', '{{ bookingReference }}']));
    const retried = await retryNotification(deps(), failed.notification_id, 'alice-admin');
    expect(retried.ok).toBe(true);
    const row = await until(async () => {
      const [r] = await service.db.selectFrom('notifications').selectAll().where('notification_id', '=', failed.notification_id).execute();
      return r?.status === 'sent' ? r : null;
    }, { what: 'the retried notification to be sent' });
    expect(row.template_version).toBe(failed.template_version);
    expect(sentTemplates().at(-1)).toMatchObject({ name: 'booking_received_v4', parameters: ['Asha Verma', 'BK-1001'] });
  });

  it('prefers a centre\'s own template at that centre only', async () => {
    await publish('appointment.pending_approval:whatsapp:en@centre-own', whatsapp('own_booking_received', 'Welcome {{1}}, our front desk has request {{2}} in hand.', ['{{ patientName }}', '{{ bookingReference }}']));
    const own = pendingApproval({ centre: { ...centre, id: 'centre-own' } });
    const other = pendingApproval();
    await recordAndProject(service, own);
    await recordAndProject(service, other);
    const ownRow = await settledRow(own.eventId);
    const otherRow = await settledRow(other.eventId);
    expect(ownRow.template_key).toBe('appointment.pending_approval:whatsapp:en@centre-own');
    expect((await plannedOf(ownRow.notification_id)).content).toMatchObject({ templateName: 'own_booking_received' });
    expect(otherRow.template_key).toBe('appointment.pending_approval:whatsapp:en');
  });

  it('gives a Tamil patient English until a Tamil template is published, then Tamil', async () => {
    const tamil = { ...patient, id: 'pat-ta', locale: 'ta-IN' };
    const before = pendingApproval({ patient: tamil });
    await recordAndProject(service, before);
    expect((await settledRow(before.eventId)).template_key).toBe('appointment.pending_approval:whatsapp:en');

    await publish('appointment.pending_approval:whatsapp:ta', whatsapp('booking_received_ta', 'வணக்கம் {{1}}, உங்கள் கோரிக்கை {{2}} பெறப்பட்டது.', ['{{ patientName }}', '{{ bookingReference }}'], 'ta'));
    const after = pendingApproval({ patient: tamil });
    await recordAndProject(service, after);
    const row = await settledRow(after.eventId);
    expect(row.template_key).toBe('appointment.pending_approval:whatsapp:ta');
    expect((await plannedOf(row.notification_id)).content).toMatchObject({ templateName: 'booking_received_ta', languageCode: 'ta' });
  });

  it('falls through a retired template to the next candidate', async () => {
    await publish('appointment.pending_approval:whatsapp:hi', whatsapp('booking_received_hi', 'नमस्ते {{1}}, आपका अनुरोध {{2}} मिल गया है।', ['{{ patientName }}', '{{ bookingReference }}'], 'hi'));
    const retired = await retireTemplate(deps(), { key: 'appointment.pending_approval:whatsapp:hi', actor: 'alice-admin' });
    expect(retired.ok).toBe(true);
    const raw = pendingApproval({ patient: secondPatient });
    await recordAndProject(service, raw);
    expect((await settledRow(raw.eventId)).template_key).toBe('appointment.pending_approval:whatsapp:en');
  });

  it('never renders at send time: every message goes out as planning recorded it', () => {
    expect(renders).toBe(0);
  });
});
