import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFcmPushTransport } from '../../src/channels/providers/fcm-push.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { createRoutingRule } from '../../src/commands/routing-rules/create-routing-rule.ts';
import { upsertStaffMember } from '../../src/commands/staff/upsert-staff-member.ts';
import { fixedClock } from '../support/clock.ts';
import { centre, envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { makeServiceAccount, startFcmStandin, type FcmStandin } from '../support/standins/fcm-standin.ts';
import { until } from '../support/until.ts';

// FCM answers UNREGISTERED for a device token whose app is gone. The token is dropped (recorded in
// the ledger), and the staff member's next push goes to their newest device still registered.

const clock = fixedClock(new Date());
// The service runs on `clock`: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(clock);
const account = makeServiceAccount();
let fcm: FcmStandin;
let service: TestService;
const staffId = `lalit-${randomUUID().slice(0, 8)}`;
const OLD_DEVICE = `fcm-old-${randomUUID().slice(0, 8)}`;
const NEW_DEVICE = `fcm-new-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  fcm = await startFcmStandin(account);
  service = await startTestService({
    clock,
    transports: { push: createFcmPushTransport({ serviceAccount: account, baseUrl: fcm.server.url, tokenUrl: fcm.tokenUrl, clock }) },
    dispatcher: { pollIntervalMs: 20 },
  });
  const deps = { store: service.store, clock };
  const member = await upsertStaffMember(deps, {
    input: { id: staffId, name: 'Lalit Rao', roles: ['lab'], centreIds: [centre.id], contacts: { pushTokens: [OLD_DEVICE, NEW_DEVICE] } },
    actor: 'alice-admin',
  });
  const rule = await createRoutingRule(deps, {
    ruleId: `lab-push-${randomUUID().slice(0, 8)}`,
    actor: 'alice-admin',
    input: { name: 'Lab orders to Lalit by push', eventTypes: ['lab.test_requested'], targets: { staffIds: [staffId] }, channels: ['push'], priority: 900 },
  });
  if (!member.ok || !rule.ok) throw new Error('fixtures refused');
  await service.whenProcessed(rule.value.position);
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await fcm?.server.close();
});

const pushOf = async (eventId: string) =>
  until(async () => {
    const row = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).where('channel', '=', 'push').executeTakeFirst();
    // The row keeps the token sealed: opened, as anything that shows it opens it.
    return row && ['sent', 'failed', 'suppressed'].includes(row.status) ? service.cells.open(row) : null;
  }, { what: `the push of ${eventId} to settle` });

const sentTo = () => fcm.sendRequests().map((r) => (JSON.parse(r.text) as { message: { token: string } }).message.token);

describe('a push token FCM no longer knows', () => {
  it('is dropped, and the next push goes to the newest device still registered', async () => {
    fcm.unregisterDevices(NEW_DEVICE);
    const first = validEnvelope('lab.test_requested');
    await recordAndProject(service, first);
    expect(await pushOf(first.eventId)).toMatchObject({ status: 'failed', last_error_code: 'UNREGISTERED', recipient_address: NEW_DEVICE });
    const dropped = await until(async () => (await readStreamToArray(service.store, streamName.contactPreference(service.keys, 'push', NEW_DEVICE)))[0], { what: 'the token to be dropped' });
    expect(dropped).toMatchObject({ type: 'ContactOptedOut', data: { channel: 'push', address: NEW_DEVICE, personId: null, reason: 'permanent-bounce' } });
    await service.whenProcessed(dropped.position);

    const second = validEnvelope('lab.test_requested');
    await recordAndProject(service, second);
    expect(await pushOf(second.eventId)).toMatchObject({ status: 'sent', recipient_address: OLD_DEVICE });
    expect(sentTo()).toEqual([NEW_DEVICE, OLD_DEVICE]);
  });

  it('suppresses the push, saying why, once every device of the member is gone', async () => {
    fcm.unregisterDevices(OLD_DEVICE);
    const first = validEnvelope('lab.test_requested');
    await recordAndProject(service, first);
    expect(await pushOf(first.eventId)).toMatchObject({ status: 'failed', recipient_address: OLD_DEVICE });
    const dropped = await until(async () => (await readStreamToArray(service.store, streamName.contactPreference(service.keys, 'push', OLD_DEVICE)))[0], { what: 'the last token to be dropped' });
    await service.whenProcessed(dropped.position);

    const next = validEnvelope('lab.test_requested');
    await recordAndProject(service, next);
    expect(await pushOf(next.eventId)).toMatchObject({
      status: 'suppressed',
      suppression_reason: 'bounced-address',
      last_error: 'every push token of the staff member was refused by the provider',
    });
  });
});
