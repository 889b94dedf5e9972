import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { fixedClock, type FixedClock, realClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

// An emergency leave fans out to every affected patient on two channels: emails wait on their rate
// limit while WhatsApp may go much faster. The rate limits here run on a clock that stands still, so
// email is held at its limit for as long as the test likes: no timing decides the outcome.
const EMAIL_PER_SECOND = 3;
const EVENTS = 60; // each an appointment.confirmed: one WhatsApp message and one email

describe('one channel at its rate limit', () => {
  let rateClock: FixedClock;
  let service: TestService;
  beforeAll(async () => {
    rateClock = fixedClock();
    service = await startTestService({
      dispatcher: {
        pollIntervalMs: 20,
        // WhatsApp's limit is above the whole backlog: with the rate clock still, email alone is held.
        limits: { email: { perSecond: EMAIL_PER_SECOND }, whatsapp: { perSecond: 80 } },
        rateClock: () => rateClock.now().getTime(),
      },
    });
  });
  afterAll(async () => service?.stop());

  const sandbox = (channel: 'whatsapp' | 'email') => service.transports[channel] as SandboxTransport;
  const emailsWithStatus = async (statuses: string[]) => {
    const rows = await service.db.selectFrom('notifications').select('notification_id')
      .where('channel', '=', 'email').where('status', 'in', statuses).execute();
    return rows.length;
  };
  // The sends the ledger has recorded have reached the read model (a sent row leaves the queue there).
  const emailsProjected = (sent: number) =>
    until(async () => (await emailsWithStatus(['sent'])) === sent, { what: `${sent} emails recorded as sent`, timeoutMs: 15_000 });
  const emailsHeld = async () => {
    const rows = await service.db.selectFrom('notifications').select('notification_id')
      .where('channel', '=', 'email').where('locked_by', 'is not', null).where('due_at', 'is not', null).execute();
    return rows.length;
  };

  it('sends every WhatsApp message while the emails wait for their turn, and holds no more emails than it can send soon', async () => {
    // Given a backlog of emails and WhatsApp messages, emails first in line.
    const events = Array.from({ length: EVENTS }, () => validEnvelope('appointment.confirmed'));
    await Promise.all(events.map((raw) => recordAndProject(service, raw)));

    // When the dispatcher works through it, then every WhatsApp message goes out...
    await until(() => sandbox('whatsapp').sent.length === EVENTS, { what: `${EVENTS} WhatsApp messages sent`, timeoutMs: 30_000 });
    // ...while email has sent exactly what its limit allowed, and the rest still wait.
    expect(sandbox('email').sent).toHaveLength(EMAIL_PER_SECOND);
    await emailsProjected(EMAIL_PER_SECOND);
    expect(await emailsWithStatus(['planned', 'sending'])).toBe(EVENTS - EMAIL_PER_SECOND);
    // Emails waiting on the limit are not held claimed (their leases would run out while they wait):
    // email holds no more than a second's worth of sends.
    expect(await emailsHeld()).toBeLessThanOrEqual(EMAIL_PER_SECOND);
  }, 60_000);

  it('sends the next emails once the rate limit allows them', async () => {
    const before = sandbox('email').sent.length;
    // When a second passes on the rate limit's clock...
    rateClock.advance(1_000);
    // ...then the email lane sends another second's worth, and no more.
    await until(() => sandbox('email').sent.length === before + EMAIL_PER_SECOND, { what: 'the next emails sent', timeoutMs: 15_000 });
    await emailsProjected(before + EMAIL_PER_SECOND);
    expect(await emailsHeld()).toBeLessThanOrEqual(EMAIL_PER_SECOND);
    expect(new Set(sandbox('email').sent.map((m) => m.notificationId)).size).toBe(sandbox('email').sent.length);
  }, 30_000);
});
