import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import type { Channel } from '../../src/domain/event-catalogue.ts';
import { AmqpPublisher } from '../../src/intake/amqp-publisher.ts';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp-names.ts';
import { TEST_AMQP_URL } from '../support/env.ts';
import { realClock } from '../support/clock.ts';
import { secondPatient, type RawEnvelope, type UpstreamEventType, envelopesOn } from '../support/envelopes.ts';
import { publishAndWait } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { isWhatsAppTemplate } from '../../src/domain/templates/rendered-message.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

const names = uniqueAmqpNames('plan');
let service: TestService;
let publisher: AmqpPublisher;

beforeAll(async () => {
  service = await startTestService({ env: { AMQP_URL: TEST_AMQP_URL, ...names }, dispatcher: { pollIntervalMs: 20 } });
  publisher = await AmqpPublisher.open({ url: TEST_AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: 'plan-over-amqp:publisher' });
}, 60_000);
afterAll(async () => {
  await publisher?.close();
  await service?.stop();
  await deleteAmqpNames(names);
});

const notificationsOf = (eventId: string) =>
  service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).orderBy('recipient_id').orderBy('channel').execute();

async function publishAndSettle(raw: RawEnvelope, expectedRows: number) {
  await publishAndWait(publisher, [raw], async (eventId) => {
    const rows = await notificationsOf(eventId);
    return rows.length === expectedRows && rows.every((r) => ['sent', 'suppressed'].includes(r.status));
  }, { what: `${raw.type} to be planned and sent`, timeoutMs: 15_000 });
  return notificationsOf(raw.eventId);
}

const sentText = (channel: Channel, notificationId: string) => {
  const message = (service.transports[channel] as SandboxTransport).sent.find((m) => m.notificationId === notificationId)!;
  const r = message.rendered;
  // A link goes in the WhatsApp template's URL button: the defaults' base is `https://`, the rest is the parameter.
  if (r.channel === 'whatsapp') return !isWhatsAppTemplate(r) ? r.text : r.buttonParameter === undefined ? r.previewText : `${r.previewText}\nhttps://${r.buttonParameter}`;
  return r.channel === 'email' ? `${r.subject}\n${r.text}` : '';
};

/** Per type: each (recipient, channel, template) planned, and a phrase its English and Hindi texts must carry. */
const CASES: [UpstreamEventType, string[], string][] = [
  ['appointment.confirmed', ['email appointment.confirmed:email', 'whatsapp appointment.confirmed:whatsapp'], 'BK-1001'],
  ['appointment.pending_approval', ['whatsapp appointment.pending_approval:whatsapp'], 'BK-1001'],
  ['appointment.rejected', ['email appointment.rejected:email', 'whatsapp appointment.rejected:whatsapp'], 'BK-1001'],
  ['appointment.cancelled', ['whatsapp appointment.cancelled:whatsapp'], 'BK-1001'],
  ['appointment.rescheduled', ['email appointment.rescheduled:email', 'whatsapp appointment.rescheduled:whatsapp'], 'BK-1001'],
  ['appointment.completed', ['whatsapp appointment.completed:whatsapp'], 'Dr. Meera Rao'],
  ['appointment.no_show', ['whatsapp appointment.no_show:whatsapp'], 'BK-1001'],
  ['walkin.token_called', ['whatsapp walkin.token_called:whatsapp'], 'A-017'],
  ['clinical.prescription_ready', ['email clinical.prescription_ready:email', 'whatsapp clinical.prescription_ready:whatsapp'], 'Dr. Meera Rao'],
  ['clinical.report_ready', ['email clinical.report_ready:email', 'whatsapp clinical.report_ready:whatsapp'], 'Complete Blood Count'],
  ['doctor.emergency_leave', ['email doctor.emergency_leave:email', 'whatsapp doctor.emergency_leave:whatsapp'], 'https://clinic.example/reschedule/appt-1'],
];

describe('patient events published over AMQP', () => {
  it.each(CASES)('%s: the exact notifications, rendered in English and in Hindi', async (type, expected, phrase) => {
    for (const [locale, person] of [['en', undefined], ['hi', { ...secondPatient, email: 'ravi@example.com' }]] as const) {
      const raw = validEnvelope(type);
      const data = raw.data as { patient?: object; affected?: { patient: object }[] };
      if (person) {
        if (data.patient) data.patient = person;
        if (data.affected) data.affected = [{ ...data.affected[0]!, patient: person }];
      } else if (data.affected) {
        data.affected = [data.affected[0]!];
      }
      const rows = await publishAndSettle(raw, expected.length);
      expect(rows.map((r) => `${r.channel} ${r.template_key?.replace(/:(en|hi)$/, '')}`)).toEqual(expected);
      for (const row of rows) {
        expect(row).toMatchObject({ status: 'sent', template_key: `${type}:${row.channel}:${locale}`, recipient_id: person ? person.id : 'pat-1' });
        const text = sentText(row.channel as Channel, row.notification_id);
        expect(text).toContain(phrase);
        if (locale === 'hi') expect(text).toMatch(/[\u0900-\u097F]/);
        else expect(text).not.toMatch(/[\u0900-\u097F]/);
      }
    }
  });

  it('dead-letters a malformed event and plans nothing for it', async () => {
    const raw = validEnvelope('appointment.confirmed');
    (raw.data as { patient: { phone: string } }).patient.phone = '555-0100';
    await publisher.publishEnvelopes([raw]);
    const connection = await amqp.connect(TEST_AMQP_URL);
    try {
      const channel = await connection.createChannel();
      const dead = await until(async () => (await channel.get(names.AMQP_DEAD_LETTER_QUEUE!, { noAck: true })) || null, { what: 'the dead letter' });
      expect(String(dead.properties.headers?.['x-rejection-reason'])).toContain('data.patient.phone');
      expect(String(dead.properties.headers?.['x-rejection-reason'])).not.toContain('555-0100');
    } finally {
      await connection.close();
    }
    expect(await service.db.selectFrom('notifications').select('notification_id').where('event_id', '=', raw.eventId).execute()).toEqual([]);
  });

  it('serves what happened at /metrics: intake counts, sends and projection lag', async () => {
    const raw = validEnvelope('appointment.pending_approval');
    await publishAndSettle(raw, 1);
    const text = await (await fetch(new URL('/metrics', service.url))).text();
    const value = (line: RegExp) => Number(line.exec(text)?.[1] ?? Number.NaN);
    expect(value(/^intake_events_recorded_total (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^notifications_sends_total\{channel="whatsapp",outcome="sent"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^projection_lag_seconds\{projection="deliveries"\} /m);
  });
});

