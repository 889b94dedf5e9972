import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { gqlData } from '../graphql/support/graphql-client.ts';
import { fixedClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { AUDITOR_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

// The whole service with personal data sealed at every append: what is planned and sent reads as
// before, and the ledger tables hold none of it in clear.
const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, personalData: 'sealed', templateSync: false, dispatcher: { pollIntervalMs: 20 } });
});
afterAll(async () => service?.stop());

/** Every row of the ledger's own tables and the key store, as text: what a dump of them would show. */
async function ledgerDump(): Promise<string> {
  const { rows } = await sql<{ row: string }>`
    select t::text as row from ledger_events t
    union all select t::text from ledger_streams t
    union all select t::text from person_keys t`.execute(service.db);
  return rows.map((r) => r.row).join('\n');
}

it('plans and sends as before, with no name, phone or email of the patient in the ledger tables', async () => {
  const patient = { id: `pat-${randomUUID()}`, name: `Asha ${randomUUID().slice(0, 8)}`, phone: `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`, email: `asha.${randomUUID().slice(0, 8)}@example.com` };
  const raw = validEnvelope('appointment.confirmed');
  (raw.data as { patient: unknown }).patient = patient;
  await recordAndProject(service, raw);
  const rows = await until(async () => {
    service.dispatcher?.poke();
    const found = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).execute();
    return found.length === 2 && found.every((r) => r.status === 'sent') ? found : null;
  }, { what: 'the confirmation sent on WhatsApp and email' });
  expect(rows.map((r) => r.recipient_address).every((a) => a?.startsWith('pdc1.'))).toBe(true);
  expect((await service.cells.open(rows.map((r) => r.recipient_address))).sort()).toEqual([patient.phone, patient.email].sort());

  const dump = await ledgerDump();
  for (const secret of [patient.name, patient.phone, patient.phone.slice(1), patient.email]) expect(dump).not.toContain(secret);

  const whatsapp = rows.find((r) => r.channel === 'whatsapp')!;
  const answer = await gqlData<{ notification: { recipient: { address: string }; content: { previewText: string } } }>(service, AUDITOR_TOKEN,
    'query($id: ID!) { notification(id: $id) { recipient { address } content { ... on RenderedWhatsApp { previewText } } } }', { id: whatsapp.notification_id });
  expect(answer.notification.recipient.address).toBe(patient.phone);
  expect(answer.notification.content.previewText).toContain(patient.name);

  // With the patient's keys gone, the ledger shows [erased] where their data was, and keeps the rest.
  await service.personKeys!.destroyPerson({ kind: 'patient', id: patient.id }, 'patient asked');
  const [received] = await readStreamToArray(service.store, streamName.inbound(raw.eventId));
  expect((received!.data as { data: { patient: unknown; appointment: unknown } }).data).toMatchObject({
    patient: { id: patient.id, name: ERASED, phone: ERASED, email: ERASED },
    appointment: (raw.data as { appointment: unknown }).appointment,
  });
  const [planned] = await readStreamToArray(service.store, streamName.notification(whatsapp.notification_id));
  expect(planned!.data).toMatchObject({ recipient: { kind: 'patient', id: patient.id, address: ERASED }, channel: 'whatsapp', content: { channel: 'whatsapp', previewText: ERASED } });
});
