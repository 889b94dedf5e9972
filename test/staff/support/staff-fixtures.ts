import type { Clock } from '../../../src/domain/clock.ts';
import type { StaffEventType } from '../../../src/domain/event-catalogue.ts';
import { upsertStaffMember } from '../../../src/commands/staff/upsert-staff-member.ts';
import { centre } from '../../support/envelopes.ts';
import type { TestService } from '../../support/service.ts';
import { until } from '../../support/until.ts';

/** One member per default role at the fixtures' centre, plus people who must NOT hear. */
export const STAFF = [
  { id: 'bina-billing', name: 'Bina Shah', roles: ['billing'], centreIds: [centre.id], contacts: { email: 'bina@clinic.example', whatsapp: '+919811111111' } },
  { id: 'farah-finance', name: 'Farah Khan', roles: ['finance'], centreIds: [centre.id], contacts: { email: 'farah@clinic.example' } },
  { id: 'arun-accounts', name: 'Arun Pillai', roles: ['accounts'], centreIds: [centre.id], contacts: { email: 'arun@clinic.example' } },
  { id: 'divya-desk', name: 'Divya Nair', roles: ['front_desk'], centreIds: [centre.id], contacts: { email: 'divya@clinic.example' } },
  { id: 'lalit-lab', name: 'Lalit Rao', roles: ['lab'], centreIds: [centre.id], contacts: { email: 'lalit@clinic.example', pushTokens: ['fcm-token-lalit-1'] } },
  { id: 'mira-elsewhere', name: 'Mira Iyer', roles: ['billing', 'finance', 'accounts', 'front_desk', 'lab'], centreIds: ['centre-mysuru'], contacts: { email: 'mira@clinic.example' } },
  { id: 'oscar-gone', name: 'Oscar Dsouza', roles: ['billing', 'finance', 'accounts', 'front_desk', 'lab'], centreIds: [centre.id], contacts: { email: 'oscar@clinic.example' }, active: false },
] as const;

/** Who the default rules reach at the fixtures' centre, per staff event type. */
export const DEFAULT_ROUTES: [Exclude<StaffEventType, 'system.alert' | 'patient.replied'>, string][] = [
  ['billing.bill_generated', 'bina-billing'],
  ['billing.refund_processed', 'farah-finance'],
  ['billing.deposit_received', 'arun-accounts'],
  ['package.purchased', 'divya-desk'],
  ['package.redeemed', 'divya-desk'],
  ['package.expired', 'divya-desk'],
  ['package.exhausted', 'divya-desk'],
  ['lab.test_requested', 'lalit-lab'],
];

export async function seedStaff(service: TestService, clock: Clock, members: readonly unknown[] = STAFF): Promise<void> {
  for (const input of members) {
    const result = await upsertStaffMember({ store: service.store, clock }, { input, actor: 'alice-admin' });
    if (!result.ok) throw new Error(`staff fixture refused: ${JSON.stringify(result.error)}`);
    if (result.value.position) await service.whenProcessed(result.value.position);
  }
}

/** The event's notifications once every one is sent, suppressed or failed. */
export async function settledNotifications(service: TestService, eventId: string) {
  return until(async () => {
    const rows = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId)
      .orderBy('recipient_id').orderBy('channel').execute();
    return rows.length > 0 && rows.every((r) => ['sent', 'suppressed', 'failed'].includes(r.status)) ? rows : null;
  }, { what: `the notifications of ${eventId} to settle` });
}
