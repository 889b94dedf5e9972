import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { AmqpPublisher } from '../../src/intake/amqp-publisher.ts';
import { listStaffAlerts } from '../../src/projections/staff/staff-alerts.queries.ts';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp-names.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { TEST_AMQP_URL } from '../support/env.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { publishAndWait } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { DEFAULT_ROUTES, STAFF, seedStaff } from './support/staff-fixtures.ts';

const names = uniqueAmqpNames('staff');
const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { validEnvelope } = envelopesOn(clock);
let service: TestService;
let publisher: AmqpPublisher;

beforeAll(async () => {
  service = await startTestService({ clock, env: { AMQP_URL: TEST_AMQP_URL, ...names }, dispatcher: { pollIntervalMs: 20 } });
  publisher = await AmqpPublisher.open({ url: TEST_AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: 'staff-over-amqp:publisher' });
  await seedStaff(service, clock);
}, 60_000);
afterAll(async () => {
  await publisher?.close();
  await service?.stop();
  await deleteAmqpNames(names);
});

describe('staff events published over AMQP', () => {
  it('reach exactly the right people on the default rules\' channels, for all 8 staff types', async () => {
    // Given the default rules and the seeded directory
    const envelopes = DEFAULT_ROUTES.map(([type]) => validEnvelope(type));

    // When one event of each staff type is published to the exchange
    const notificationsOf = (eventId: string) => service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).orderBy('channel').execute();
    await publishAndWait(publisher, envelopes, async (eventId) => {
      const found = await notificationsOf(eventId);
      return found.length === 2 && found.every((r) => r.status === 'sent');
    }, { what: 'each staff event to be routed and sent', timeoutMs: 15_000 });

    // Then each reaches its one member, by email and in-app, and both are sent
    for (const [i, [, staffId]] of DEFAULT_ROUTES.entries()) {
      const eventId = envelopes[i]!.eventId;
      const rows = await notificationsOf(eventId);
      expect(rows.map((r) => `${r.recipient_id} ${r.channel}`)).toEqual([`${staffId} email`, `${staffId} in_app`]);
      const email = (service.transports.email as SandboxTransport).sent.find((m) => m.notificationId === rows[0]!.notification_id);
      expect(email?.to).toBe(STAFF.find((s) => s.id === staffId)!.contacts.email);
      expect((await listStaffAlerts(service.db, staffId)).map((a) => a.eventId)).toContain(eventId);
    }
  });
});
