import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertStaffMember } from '../../src/commands/staff/upsert-staff-member.ts';
import { publishTemplateVersion } from '../../src/commands/templates/template-commands.ts';
import { syncWhatsAppTemplates } from '../../src/commands/templates/record-whatsapp-template-state.ts';
import type { WhatsAppContent } from '../../src/domain/templates/template-content.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { centre, type RawEnvelope, type UpstreamEventType, envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { start360DialogStandin, STANDIN_360DIALOG_KEY, wabaTemplate, type Dialog360Standin, type WabaTemplate } from '../support/standins/whatsapp-360dialog-standin.ts';
import { until } from '../support/until.ts';

const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { validEnvelope } = envelopesOn(clock);
let service: TestService;
let standin: Dialog360Standin;
let accountTemplates: WabaTemplate[];

const body = (lead: string) => `${lead} {{1}}, your booking {{2}} is noted.`;
const content = (name: string, lead: string): WhatsAppContent => ({
  channel: 'whatsapp',
  name,
  language: 'en_US',
  category: 'UTILITY',
  body: body(lead),
  parameters: ['{{ patientName }}', '{{ bookingReference }}'],
});

// Each event type maps to an approved template the account has, or to one in another state.
const MAPPINGS: [UpstreamEventType, WhatsAppContent][] = [
  ['appointment.pending_approval', content('booking_received', 'Hello')],
  ['appointment.completed', content('visit_completed', 'Thank you')],
  ['appointment.no_show', content('visit_missed', 'Dear')],
  ['walkin.token_called', { ...content('token_called', 'Hi'), body: 'Hi {{1}}, token {{2}} is called now.', parameters: ['{{ patientName }}', '{{ tokenNumber }}'] }],
];

beforeAll(async () => {
  standin = await start360DialogStandin();
  accountTemplates = [
      wabaTemplate('booking_received', 'en_US', body('Hello')),
      wabaTemplate('visit_completed', 'en_US', body('Thank you'), { status: 'PENDING' }),
      // Approved, but with one parameter where the mapping has two.
      wabaTemplate('visit_missed', 'en_US', 'Dear {{1}}, we missed you today.'),
      // token_called is not in the account at all.
  ];
  service = await startTestService({
    clock,
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    env: {
      CHANNELS_SANDBOX: 'email,sms,push',
      WHATSAPP_360DIALOG_API_KEY: STANDIN_360DIALOG_KEY,
      WHATSAPP_360DIALOG_BASE_URL: standin.url,
      WHATSAPP_WEBHOOK_SECRET: 'test-webhook-secret',
    },
  });
  const deps = { store: service.store, clock };
  await upsertStaffMember(deps, { input: { id: 'ada-admin', name: 'Ada Admin', roles: ['admin'], centreIds: [centre.id], contacts: { email: 'ada@clinic.example' } }, actor: 'alice-admin' });
  for (const [eventType, mapped] of MAPPINGS) {
    const result = await publishTemplateVersion(deps, { key: { eventType, channel: 'whatsapp', locale: 'en', centreId: null }, content: mapped, actor: 'alice-admin' });
    if (!result.ok) throw new Error(`publish refused: ${JSON.stringify(result.error)}`);
  }
});
afterAll(async () => {
  await service?.stop();
  await standin?.close();
});

const sync = () => syncWhatsAppTemplates({ store: service.store, clock, list: service.whatsappTemplates! }, 'alice-admin');

async function whatsappRow(raw: RawEnvelope) {
  await recordAndProject(service, raw);
  return until(async () => {
    const [row] = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).where('channel', '=', 'whatsapp').execute();
    return row && ['sent', 'suppressed', 'failed'].includes(row.status) ? row : null;
  }, { what: `the WhatsApp notification of ${raw.eventId} to settle` });
}

const adminAlerts = async () =>
  service.cells.open(await service.db.selectFrom('staff_alerts').select(['title', 'body', 'event_type']).where('staff_id', '=', 'ada-admin').orderBy('planned_at').execute());

describe('WhatsApp templates as Meta approved them', () => {
  it('sends a message whose template was never synced (a sandbox account knows nothing yet)', async () => {
    const row = await whatsappRow(validEnvelope('appointment.completed'));
    expect(row).toMatchObject({ status: 'sent', provider: '360dialog' });
  });

  it('after a sync, sends what is approved as mapped and suppresses pending, mismatched and missing templates', async () => {
    // The clinic's account, as Meta holds it (the stand-in refuses from now on what it does not approve).
    standin.setTemplates(accountTemplates);
    const synced = await sync();
    expect(synced.ok && synced.value.templates).toHaveLength(3);
    const outcomes = [];
    for (const [type] of MAPPINGS) {
      const row = await whatsappRow(validEnvelope(type));
      outcomes.push([type, row.status, row.suppression_reason]);
    }
    expect(outcomes).toEqual([
      ['appointment.pending_approval', 'sent', null],
      ['appointment.completed', 'suppressed', 'template-not-approved'],
      ['appointment.no_show', 'suppressed', 'template-not-approved'],
      ['walkin.token_called', 'suppressed', 'template-not-approved'],
    ]);
    const [suppressed] = await readStreamToArray(service.store, streamName.notification(
      (await service.db.selectFrom('notifications').select('notification_id').where('event_type', '=', 'walkin.token_called').where('status', '=', 'suppressed').executeTakeFirstOrThrow()).notification_id,
    ));
    expect((suppressed!.data as { detail: string }).detail).toContain('token_called (en_US), which is missing at WhatsApp');
  });

  it('alerts the admins of what the sync found, in-app', async () => {
    const alerts = await until(async () => {
      const rows = await adminAlerts();
      return rows.some((a) => a.body.includes('visit_completed')) ? rows : null;
    }, { what: 'an admin alert about the sync' });
    const alert = alerts.find((a) => a.body.includes('visit_completed'))!;
    expect(alert.event_type).toBe('system.alert');
    expect(alert.body).toMatch(/appointment\.completed:whatsapp:en v\d+ \(visit_completed, en_US\): pending/);
    expect(alert.body).toMatch(/visit_missed, en_US\): mismatched/);
    // The defaults this account never approved are missing; the message says how many of each.
    expect(alert.body).toMatch(/^\d+ missing, 1 pending, 1 mismatched\./);
    expect(alert.body.length).toBeLessThanOrEqual(2000);
  });

  it('marks a template Meta refuses at send time (132001), suppresses its next messages and alerts the admins', async () => {
    // Meta no longer has it (deleted at the account after the sync).
    standin.setTemplates([wabaTemplate('visit_completed', 'en_US', body('Thank you'), { status: 'PENDING' })]);
    const refused = await whatsappRow(validEnvelope('appointment.pending_approval'));
    expect(refused).toMatchObject({ status: 'failed', last_error_code: '132001' });
    const account = await until(async () => {
      const events = await readStreamToArray(service.store, streamName.whatsappTemplates());
      return events.some((e) => e.type === 'WhatsAppTemplateRefused') ? events : null;
    }, { what: 'the refusal to be recorded' });
    expect(account.at(-1)!.data).toMatchObject({ name: 'booking_received', language: 'en_US', state: 'mismatched', code: '132001' });

    const next = await whatsappRow(validEnvelope('appointment.pending_approval'));
    expect(next).toMatchObject({ status: 'suppressed', suppression_reason: 'template-not-approved' });
    await until(async () => (await adminAlerts()).some((a) => a.title.includes('booking_received')), { what: 'an admin alert about the refusal' });
  });
});
