import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { classifyReply } from '../../src/channels/webhooks/reply-keywords.ts';
import { recordProviderCallback } from '../../src/commands/inbound/record-provider-callback.ts';
import { replyToPatient } from '../../src/commands/conversations/reply-to-patient.ts';
import { contactHash } from '../../src/domain/keys/ledger-keys.ts';
import { realClock } from '../support/clock.ts';
import { UPSTREAM_TYPES, patient, secondPatient, envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { metaError, start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';
import type { StandinServer } from '../support/standins/standin-server.ts';
import { until } from '../support/until.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

const lines: string[] = [];
let service: TestService;
let standin: StandinServer;

beforeAll(async () => {
  standin = await start360DialogStandin();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', destination: sink });
  service = await startTestService({
    logger,
    transports: { whatsapp: createWhatsApp360DialogTransport({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url, logger }) },
    dispatcher: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 10 },
  });
});
afterAll(async () => {
  await service?.stop();
  await standin?.close();
});

it('logs every send, failure and suppression without a patient phone, email or name in clear', async () => {
  standin.failNext(3, { status: 400, body: metaError(131000, 'Something went wrong') });
  const eventIds: string[] = [];
  for (const type of UPSTREAM_TYPES) {
    const raw = validEnvelope(type);
    eventIds.push(raw.eventId);
    await recordAndProject(service, raw);
  }
  await until(async () => {
    const rows = await service.db.selectFrom('notifications').select('status').where('event_id', 'in', eventIds).execute();
    return rows.length > 0 && rows.every((r) => ['sent', 'failed', 'suppressed'].includes(r.status));
  }, { what: 'every notification to settle' });
  const log = lines.join('');
  expect(log).toContain('notification sent');
  expect(log).toContain('send attempt failed');
  for (const secret of [patient.phone, patient.phone.slice(1), patient.email, patient.name, secondPatient.phone, secondPatient.name]) {
    expect(log).not.toContain(secret);
  }
  expect(log).toMatch(/\+91\*+3210/);
});

it('logs a patient\'s message, the front desk\'s alert and the reply without the number or the words in clear', async () => {
  lines.length = 0;
  const words = 'Can I come at eleven instead';
  const recorded = await recordProviderCallback({ store: service.store, clock: realClock }, '360dialog', {
    reports: [], suppressions: [],
    replies: [{ provider: '360dialog', channel: 'whatsapp', from: patient.phone, messageId: 'wamid.IN.pii', receivedAt: new Date().toISOString(), messageType: 'text', text: words, ...classifyReply(words) }],
  });
  if (recorded.outcome !== 'recorded') throw new Error('not recorded');
  const conversation = await until(async () => (await service.db.selectFrom('conversations').selectAll().where('conversation_id', '=', contactHash(service.keys, 'phone', patient.phone)).executeTakeFirst()) ?? null, { what: 'the conversation' });
  const answered = await replyToPatient({ store: service.store, clock: realClock, cells: service.cells }, {
    conversationId: conversation.conversation_id, address: conversation.address, centreId: conversation.centre_id,
    windowClosesAt: conversation.window_closes_at, causeEventId: 'pii-cause',
  }, { patientId: patient.id, text: 'Yes, eleven works for us', idempotencyKey: 'pii-1', actor: 'desk-blr', locale: 'en' });
  if (!answered.ok) throw new Error('the reply was refused');
  await until(async () => (await service.db.selectFrom('notifications').select('status').where('notification_id', '=', answered.value.planned.notificationId).executeTakeFirst())?.status === 'sent', { what: 'the reply sent' });
  const log = lines.join('');
  expect(log).toContain('notification sent');
  for (const secret of [patient.phone, patient.phone.slice(1), patient.name, words, 'Yes, eleven works for us']) expect(log).not.toContain(secret);
});
