import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelTransport, OutboundMessage } from '../../src/channels/channel-port.ts';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { resumeChannel } from '../../src/commands/notifications/resume-channel.ts';
import { CHANNEL_EVENT_TYPES, type ChannelPaused } from '../../src/domain/notifications/channel-events.ts';
import { NOTIFICATION_EVENT_TYPES as T, type NotificationPlanned } from '../../src/domain/notifications/notification-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { systemClock } from '../../src/service.ts';
import { metricValue } from '../intake/support/intake-harness.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

// Slots ahead of the machine's clock, which this file's services run on.
const { validEnvelope } = envelopesOn(realClock);

let service: TestService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

/** Every notification row, once none is still planned or sending. */
async function untilAllClosed(running: TestService, count: number, timeoutMs = 20_000) {
  return until(async () => {
    const rows = await running.db.selectFrom('notifications').select(['notification_id', 'channel', 'status', 'locked_by']).execute();
    return rows.length === count && rows.every((r) => r.status !== 'planned' && r.status !== 'sending') ? rows : null;
  }, { what: `${count} notifications closed`, timeoutMs });
}

/** Each notification's stream: its plan at revision 0, the attempt that sent it at 1, sent at 2. */
async function expectSentOnceAtTheRevisionOfItsPlan(running: TestService, notificationIds: readonly string[]) {
  for (const id of notificationIds) {
    const events = await readStreamToArray(running.store, streamName.notification(id));
    expect(events.map((e) => [e.type, e.revision])).toEqual([[T.planned, 0n], [T.attemptStarted, 1n], [T.sent, 2n]]);
  }
}

/** WhatsApp paused for a restricted account, once the dispatcher has read it (it reads pauses each second, at every poll). */
async function pauseWhatsApp(running: TestService) {
  const paused: ChannelPaused = { channel: 'whatsapp', kind: 'policy', code: '131031', detail: 'account restricted', resumeAt: null, at: new Date().toISOString(), actor: 'test' };
  await running.store.append(streamName.channel('whatsapp'), [{ id: crypto.randomUUID(), type: CHANNEL_EVENT_TYPES.paused, data: paused }], 'any');
  // A pause reaches handed work within two seconds.
  await delay(2_100);
}

/** A booking's WhatsApp row, once its email is sent (WhatsApp paused, it waits). */
async function whatsappWaitingOnceEmailSent(running: TestService) {
  return until(async () => {
    const rows = await running.db.selectFrom('notifications').select(['notification_id', 'channel', 'status', 'locked_by']).execute();
    const email = rows.find((r) => r.channel === 'email');
    return rows.length === 2 && email?.status === 'sent' ? rows.find((r) => r.channel === 'whatsapp')! : null;
  }, { what: 'the email sent' });
}

/** The row held for the dispatcher, as the plans' statement writes a handed one. */
async function holdForDispatcher(running: TestService, notificationId: string) {
  const dispatcher = running.dispatcher!;
  await running.db.updateTable('notifications')
    .set({ locked_by: dispatcher.worker, locked_until: new Date(Date.now() + dispatcher.leaseMs) })
    .where('notification_id', '=', notificationId)
    .execute();
}

describe('plans due now, handed to the dispatcher with their rows', () => {
  it('sends each one once, every one handed: no claim, no read of its stream', async () => {
    // Given a service whose dispatcher has room on every channel
    service = await startTestService({ dispatcher: { pollIntervalMs: 50 } });
    const running = service;

    // When five bookings are recorded
    for (let i = 0; i < 5; i++) await recordAndProject(running, validEnvelope('appointment.confirmed'));

    // Then each of their ten notifications was handed, and sent once at the revision of its plan
    const rows = await untilAllClosed(running, 10);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(await metricValue(running.metrics, 'notifications_handed_total')).toBe(10);
    const sent = (['whatsapp', 'email'] as const).flatMap((c) => (running.transports[c] as SandboxTransport).sent.map((m) => m.notificationId));
    expect(sent.sort()).toEqual(rows.map((r) => r.notification_id).sort());
    await expectSentOnceAtTheRevisionOfItsPlan(running, rows.map((r) => r.notification_id));
  }, 60_000);

  it('leaves to a claim what a channel has no room for, and sends every one once', async () => {
    // Given WhatsApp with room for one at a time (one a second: what it can send within the claim
    // horizon), its sends taking 300 ms
    const whatsapp: string[] = [];
    const slow: ChannelTransport = {
      channel: 'whatsapp',
      provider: 'sandbox',
      send: async (message: OutboundMessage) => {
        await delay(300);
        whatsapp.push(message.notificationId);
        return { kind: 'sent', provider: 'sandbox', providerMessageId: `slow-${message.notificationId}-${message.attempt}` };
      },
    };
    service = await startTestService({
      transports: { whatsapp: slow },
      dispatcher: { pollIntervalMs: 50, limits: { whatsapp: { concurrency: 1, perSecond: 1 } } },
    });
    const running = service;

    // When four bookings are recorded at once
    const bookings = Array.from({ length: 4 }, () => validEnvelope('appointment.confirmed'));
    await Promise.all(bookings.map((raw) => recordAndProject(running, raw)));

    // Then every notification is sent once: every email handed, and WhatsApp's beyond its one place by claims
    const rows = await untilAllClosed(running, 8, 30_000);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const whatsappRows = rows.filter((r) => r.channel === 'whatsapp').map((r) => r.notification_id);
    expect([...whatsapp].sort()).toEqual([...whatsappRows].sort());
    const handed = await metricValue(running.metrics, 'notifications_handed_total');
    expect(handed).toBeGreaterThanOrEqual(4 + 1);
    expect(handed).toBeLessThan(8);
    await expectSentOnceAtTheRevisionOfItsPlan(running, rows.map((r) => r.notification_id));
  }, 60_000);

  it('hands nothing on a paused channel: the plan waits, unclaimed, and goes once it is resumed', async () => {
    // Given WhatsApp paused for a restricted account, and the dispatcher having read it since
    service = await startTestService({ dispatcher: { pollIntervalMs: 50 } });
    const running = service;
    await pauseWhatsApp(running);

    // When a booking is recorded
    await recordAndProject(running, validEnvelope('appointment.confirmed'));

    // Then its email is handed and sent; its WhatsApp waits, planned and held by nobody
    const waiting = await whatsappWaitingOnceEmailSent(running);
    expect(waiting).toMatchObject({ status: 'planned', locked_by: null });
    expect(await metricValue(running.metrics, 'notifications_handed_total')).toBe(1);
    expect((running.transports.whatsapp as SandboxTransport).sent).toHaveLength(0);

    // and once WhatsApp is resumed, a claim sends it, once
    const resumed = await resumeChannel({ store: running.store, clock: systemClock }, 'whatsapp', 'alice-admin');
    expect(resumed.ok).toBe(true);
    const rows = await untilAllClosed(running, 2);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect((running.transports.whatsapp as SandboxTransport).sent.map((m) => m.notificationId)).toEqual([waiting.notification_id]);
    expect(await metricValue(running.metrics, 'notifications_handed_total')).toBe(1);
    await expectSentOnceAtTheRevisionOfItsPlan(running, rows.map((r) => r.notification_id));
  }, 60_000);

  it('reads again a plan whose person was erased since it was sealed, and suppresses it instead of sending it', async () => {
    // Given WhatsApp paused, so that the booking's WhatsApp plan waits, and the dispatcher having read it since
    service = await startTestService({ dispatcher: { pollIntervalMs: 50 } });
    const running = service;
    await pauseWhatsApp(running);
    await recordAndProject(running, validEnvelope('appointment.confirmed'));
    const waiting = await whatsappWaitingOnceEmailSent(running);
    const stream = streamName.notification(waiting.notification_id);
    // its plan as the planner had it, in plain
    const history = await readStreamToArray(running.store, stream);
    const planned = history[0]!.data as NotificationPlanned;
    expect(planned.recipient.address).toBe('+919876543210');

    // When the patient's keys are destroyed (an erasure, before its reaction has suppressed what waits),
    // and the plan, held for the dispatcher, is handed to it with the data the planner had
    const dispatcher = running.dispatcher!;
    expect(await running.personKeys!.destroyPerson({ kind: 'patient', id: planned.recipient.id }, 'test')).toBeGreaterThan(0);
    await holdForDispatcher(running, waiting.notification_id);
    dispatcher.take([{ notificationId: waiting.notification_id, channel: 'whatsapp', history }]);

    // Then its stream is read again, opens `[erased]`, and the plan is suppressed as erased: nothing sent
    const events = await until(async () => {
      const read = await readStreamToArray(running.store, stream);
      return read.length > 1 ? read : null;
    }, { what: 'the handed plan settled' });
    expect(events.map((e) => [e.type, e.revision])).toEqual([[T.planned, 0n], [T.suppressed, 1n]]);
    expect(events[1]!.data).toMatchObject({ reason: 'erased', recipient: { address: null } });
    expect((running.transports.whatsapp as SandboxTransport).sent).toHaveLength(0);
  }, 60_000);

  it('gives back at once what it is handed while stopping: due now, held by nobody, nothing sent', async () => {
    // Given a service whose dispatcher has stopped
    service = await startTestService({ dispatcher: { pollIntervalMs: 50 } });
    const running = service;
    const dispatcher = running.dispatcher!;
    await dispatcher.stop();

    // When a booking is planned after the stop, no place is offered: its rows are written held by nobody
    await recordAndProject(running, validEnvelope('appointment.confirmed'));
    const planned = await until(async () => {
      const rows = await running.db.selectFrom('notifications').select(['notification_id', 'channel', 'status', 'locked_by']).execute();
      return rows.length === 2 ? rows : null;
    }, { what: 'the booking planned' });
    expect(planned.map((r) => [r.status, r.locked_by])).toEqual([['planned', null], ['planned', null]]);
    expect(await metricValue(running.metrics, 'notifications_handed_total')).toBe(0);

    // and the plans' statement that was in flight at the stop had written one held for it, and hands it over
    const [row] = planned;
    await holdForDispatcher(running, row!.notification_id);
    const history = await readStreamToArray(running.store, streamName.notification(row!.notification_id));
    const handedAt = new Date();
    dispatcher.take([{ notificationId: row!.notification_id, channel: row!.channel, history }]);

    // Then it is given back to the queue at once (not held until its lease runs out), due now
    const released = await until(async () => {
      const again = await running.db.selectFrom('notifications').select(['locked_by', 'locked_until', 'due_at', 'status'])
        .where('notification_id', '=', row!.notification_id).executeTakeFirstOrThrow();
      return again.locked_by === null ? again : null;
    }, { what: 'the handed row given back' });
    expect(released).toMatchObject({ status: 'planned', locked_until: null });
    expect(released.due_at!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(released.due_at!.getTime()).toBeGreaterThanOrEqual(handedAt.getTime() - 1_000);

    // and nothing was sent or attempted: its stream holds its plan alone, and nothing counts it handed
    expect((['whatsapp', 'email'] as const).flatMap((c) => (running.transports[c] as SandboxTransport).sent)).toHaveLength(0);
    const events = await readStreamToArray(running.store, streamName.notification(row!.notification_id));
    expect(events.map((e) => [e.type, e.revision])).toEqual([[T.planned, 0n]]);
    expect(await metricValue(running.metrics, 'notifications_handed_total')).toBe(0);
  }, 60_000);
});
