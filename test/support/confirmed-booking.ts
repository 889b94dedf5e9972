import type { Clock } from '../../src/domain/clock.ts';
import type { Service } from '../../src/service.ts';
import { envelopesOn, type RawEnvelope } from './envelopes.ts';
import { recordAndProject } from './publish.ts';
import { until } from './until.ts';

/**
 * A booking confirmed at the fixtures' centre (centre-blr) for this patient, recorded and planned,
 * resolved once its WhatsApp message is sent: the message a patient's reply answers. No email, so
 * WhatsApp is the patient's one channel.
 */
export async function confirmedOnWhatsApp(
  service: Pick<Service, 'db' | 'dispatcher' | 'intake' | 'store' | 'whenProcessed'>,
  clock: Clock,
  patient: { id: string; name: string; phone: string },
): Promise<RawEnvelope> {
  const raw = envelopesOn(clock).validEnvelope('appointment.confirmed');
  const data = raw.data as { patient: Record<string, unknown> };
  data.patient = { ...data.patient, ...patient };
  delete data.patient.email;
  await recordAndProject(service, raw);
  await until(async () => {
    service.dispatcher?.poke();
    const row = await service.db.selectFrom('notifications').select('status').where('event_id', '=', raw.eventId).where('channel', '=', 'whatsapp').executeTakeFirst();
    return row?.status === 'sent' ? row : null;
  }, { what: 'the confirmation to be sent on WhatsApp' });
  return raw;
}
