import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyReply } from '../../src/channels/webhooks/reply-keywords.ts';
import { recordProviderCallback } from '../../src/commands/inbound/record-provider-callback.ts';
import { CONVERSATION_EVENT_TYPES, type PatientMessageReceived } from '../../src/domain/conversations/conversation-events.ts';
import { contactHash } from '../../src/domain/keys/ledger-keys.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { confirmedOnWhatsApp } from '../support/confirmed-booking.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import {
  ADMIN_TOKEN,
  AUDITOR_TOKEN,
  DASHBOARD_TOKEN,
  FRONTDESK_TOKEN,
  INGEST_TOKEN,
  OTHER_FRONTDESK_TOKEN,
  startTestService,
  type TestService,
} from '../support/service.ts';
import { start360DialogStandin, STANDIN_360DIALOG_KEY, type Dialog360Standin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { until } from '../support/until.ts';
import { postWhatsAppMessage, type InboundContent } from '../support/whatsapp-statuses.ts';
import { gql, gqlData, subscribeOverWebSocket } from '../graphql/support/graphql-client.ts';
import { seedStaff } from '../staff/support/staff-fixtures.ts';

const clock = fixedClock(new Date());
const WEBHOOK_SECRET = 'conversations-webhook-secret';
const HOUR = 3600_000;
let database: TestDatabase;
let service: TestService;
let whatsapp: Dialog360Standin;

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
  database = await createTestDatabase();
  service = await startTestService({
    clock,
    database,
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    env: {
      CHANNELS_SANDBOX: 'email,sms,push',
      WHATSAPP_360DIALOG_API_KEY: STANDIN_360DIALOG_KEY,
      WHATSAPP_360DIALOG_BASE_URL: whatsapp.url,
      WHATSAPP_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
  });
  await seedStaff(service, clock);
});
afterAll(async () => {
  await service?.stop();
  await whatsapp?.close();
  await database?.drop();
});

/** A patient of their own, with a number nobody else in the file has. */
function newPatient() {
  const digits = String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
  return { id: `pat-${randomUUID()}`, name: 'Asha Verma', phone: `+919${digits}` };
}

/** A booking confirmed at the fixtures' centre (centre-blr) for this patient: WhatsApp goes out. */
const confirmedFor = (patient: { id: string; name: string; phone: string }) => confirmedOnWhatsApp(service, clock, patient);

const conversationIdOf = (phone: string) => contactHash(service.keys, 'phone', phone);
const messagesIn = async (phone: string) =>
  (await readStreamToArray(service.store, streamName.conversation(conversationIdOf(phone)))).filter((e) => e.type === CONVERSATION_EVENT_TYPES.messageReceived);

async function patientWrites(phone: string, content: InboundContent, options: { id?: string; times?: number; sentAt?: Date } = {}): Promise<{ id: string; sentAt: Date }> {
  const id = options.id ?? `wamid.IN.${randomUUID()}`;
  const sentAt = options.sentAt ?? clock.now();
  for (let i = 0; i < (options.times ?? 1); i++) await postWhatsAppMessage(service, WEBHOOK_SECRET, { from: phone, id, sentAt, content });
  await until(async () => ((await service.db.selectFrom('conversation_messages').select('message_id').where('provider_message_id', '=', id).executeTakeFirst()) ?? null), { what: `message ${id} in its conversation` });
  return { id, sentAt };
}

const text = (body: string): InboundContent => ({ type: 'text', text: { body } });

const REPLY = `mutation($patientId: String!, $text: String!, $key: String!) {
  replyToPatient(patientId: $patientId, text: $text, idempotencyKey: $key) {
    __typename
    ... on ReplySent { notificationId created }
    ... on WindowClosed { closedAt message }
    ... on NotFoundError { id }
    ... on ValidationError { issues { path message } }
  }
}`;

interface ReplyAnswer {
  replyToPatient: { __typename: string; notificationId?: string; created?: boolean; closedAt?: string | null; issues?: { path: string }[] };
}

const reply = (token: string, patientId: string, words: string, key: string) => gql<ReplyAnswer>(service, token, REPLY, { patientId, text: words, key });

const CONVERSATION = `query($patientId: String!) { conversation(patientId: $patientId) {
  id contact centreId patients { id name } window { open closesAt } inboundMessages replies
  messages { direction type text channel sentBy intent media { kind mimeType caption } location { latitude longitude name } }
} }`;

interface ConversationAnswer {
  conversation: null | {
    id: string; contact: string; centreId: string | null; patients: { id: string; name: string | null }[];
    window: { open: boolean; closesAt: string | null }; inboundMessages: number; replies: number;
    messages: { direction: string; type: string; text: string | null; channel: string; sentBy: string | null; intent: string | null; media: unknown; location: unknown }[];
  };
}

const conversationOf = (token: string, patientId: string) => gqlData<ConversationAnswer>(service, token, CONVERSATION, { patientId });

const textsSentTo = (phone: string) =>
  whatsapp.accepted.map((r) => JSON.parse(r.text) as { to: string; type: string; text?: { body: string } }).filter((b) => b.to === phone.slice(1) && b.type === 'text');

describe('a patient writes to the clinic', () => {
  it('is recorded once though the callback comes three times, and alerts the front desk of the centre that wrote to them, in-app', async () => {
    const patient = newPatient();
    await confirmedFor(patient);

    const { sentAt } = await patientWrites(patient.phone, text('Can I come at 11 instead?'), { times: 3 });

    const messages = await messagesIn(patient.phone);
    expect(messages).toHaveLength(1);
    const message = messages[0]!.data as PatientMessageReceived;
    expect(message).toMatchObject({
      channel: 'whatsapp', messageType: 'text', text: 'Can I come at 11 instead?', patientIds: [patient.id], centreId: 'centre-blr',
      sentAt: new Date(Math.floor(sentAt.getTime() / 1000) * 1000).toISOString(), intent: 'other',
    });
    // The window runs from the message's own timestamp.
    expect(Date.parse(message.windowClosesAt!) - Date.parse(message.sentAt)).toBe(24 * HOUR);
    // The stream is named by the keyed hash: the number appears nowhere in its name.
    expect(String(messages[0]!.stream)).not.toContain(patient.phone.slice(1));

    const alerts = await until(async () => {
      const rows = await service.db.selectFrom('notifications').selectAll().where('event_type', '=', 'patient.replied').where('recipient_kind', '=', 'staff').execute();
      const mine = rows.filter((r) => (r.selection as { kind: string }).kind === 'routing-rule' && r.event_id.includes(messages[0]!.id));
      return mine.length > 0 && mine.every((r) => r.status === 'sent') ? mine : null;
    }, { what: 'the front desk alert' });
    expect(alerts.map((a) => [a.recipient_id, a.channel])).toEqual([['divya-desk', 'in_app']]);
    const staffAlerts = await gqlData<{ staffAlerts: { title: string; body: string }[] }>(service, FRONTDESK_TOKEN, 'query { staffAlerts(staffId: "divya-desk") { title body } }');
    expect(staffAlerts.staffAlerts[0]).toMatchObject({ title: 'Asha Verma replied on WhatsApp', body: 'Can I come at 11 instead?' });
  });

  it('keeps an unknown number\'s message under its hashed key, and joins it to the patient once an event names the number', async () => {
    const patient = newPatient();
    await patientWrites(patient.phone, text('Hello, is Dr. Rao in today?'));
    expect(await conversationOf(ADMIN_TOKEN, patient.id)).toEqual({ conversation: null });
    const [message] = await messagesIn(patient.phone);
    expect(message!.data).toMatchObject({ patientIds: [], centreId: null });
    // Nobody was alerted: a number we never wrote to has no centre, and the event is recorded unrouted.
    await until(async () => (await service.db.selectFrom('unrouted_staff_events').select('event_id').where('event_id', 'like', `%${message!.id}`).executeTakeFirst()) ?? null, { what: 'the unrouted record' });

    clock.advance(60_000);
    await confirmedFor(patient);
    const { conversation } = await conversationOf(ADMIN_TOKEN, patient.id);
    expect(conversation).toMatchObject({ id: conversationIdOf(patient.phone), contact: patient.phone, patients: [{ id: patient.id, name: 'Asha Verma' }], inboundMessages: 1 });
    expect(conversation!.messages.map((m) => [m.direction, m.type])).toEqual([['IN', 'text'], ['OUT', 'template']]);
  });

  it('keeps each kind of message with its type: a button, a photo with its caption, a location', async () => {
    const patient = newPatient();
    await confirmedFor(patient);
    const at = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);
    await patientWrites(patient.phone, { type: 'button', button: { text: 'Reschedule', payload: 'reschedule' } }, { sentAt: at(1) });
    await patientWrites(patient.phone, { type: 'image', image: { id: 'media-1', mime_type: 'image/jpeg', caption: 'My old report' } }, { sentAt: at(2) });
    await patientWrites(patient.phone, { type: 'location', location: { latitude: 12.9716, longitude: 77.5946, name: 'Home' } }, { sentAt: at(3) });

    const { conversation } = await conversationOf(FRONTDESK_TOKEN, patient.id);
    expect(conversation!.messages.filter((m) => m.direction === 'IN').map((m) => ({ type: m.type, text: m.text, media: m.media, location: m.location }))).toEqual([
      { type: 'button', text: 'Reschedule', media: null, location: null },
      { type: 'media', text: 'My old report', media: { kind: 'image', mimeType: 'image/jpeg', caption: 'My old report' }, location: null },
      { type: 'location', text: null, media: null, location: { latitude: 12.9716, longitude: 77.5946, name: 'Home' } },
    ]);
  });

  it('opens no WhatsApp window for an SMS reply', async () => {
    const patient = newPatient();
    await confirmedFor(patient);
    const words = 'Running late, sorry';
    const recorded = await recordProviderCallback({ store: service.store, clock }, 'twilio', {
      reports: [], suppressions: [],
      replies: [{ provider: 'twilio', channel: 'sms', from: patient.phone, messageId: `SM${randomUUID().replaceAll('-', '')}`, receivedAt: clock.now().toISOString(), messageType: 'text', text: words, ...classifyReply(words) }],
    });
    if (recorded.outcome !== 'recorded') throw new Error('not recorded');
    await service.whenProcessed(recorded.position);
    const { conversation } = await until(async () => {
      const answer = await conversationOf(ADMIN_TOKEN, patient.id);
      return answer.conversation ? answer : null;
    }, { what: 'the SMS conversation' });
    expect(conversation).toMatchObject({ window: { open: false, closesAt: null }, inboundMessages: 1 });
    expect((await reply(ADMIN_TOKEN, patient.id, 'See you soon', randomUUID())).data?.replyToPatient).toEqual(expect.objectContaining({ __typename: 'WindowClosed', closedAt: null }));
  });
});

describe('the front desk replies', () => {
  it('sends a free-form text inside the window, once for one idempotency key, and records it in the conversation', async () => {
    const patient = newPatient();
    await confirmedFor(patient);
    clock.advance(60_000);
    await patientWrites(patient.phone, text('Can I come at 11 instead?'));
    clock.advance(60_000);
    const key = randomUUID();

    const first = await reply(FRONTDESK_TOKEN, patient.id, 'Yes, 11:00 works. See you then!', key);
    expect(first.data?.replyToPatient).toMatchObject({ __typename: 'ReplySent', created: true });
    await until(async () => (textsSentTo(patient.phone).length > 0 ? true : null), { what: 'the reply at the 360dialog stand-in' });
    const again = await reply(FRONTDESK_TOKEN, patient.id, 'Yes, 11:00 works. See you then!', key);
    expect(again.data?.replyToPatient).toMatchObject({ notificationId: first.data!.replyToPatient.notificationId, created: false });

    const notificationId = first.data!.replyToPatient.notificationId!;
    await until(async () => {
      const row = await service.db.selectFrom('notifications').selectAll().where('notification_id', '=', notificationId).executeTakeFirst();
      return row?.status === 'sent' ? row : null;
    }, { what: 'the reply sent' });
    expect(textsSentTo(patient.phone)).toEqual([expect.objectContaining({ type: 'text', text: { body: 'Yes, 11:00 works. See you then!', preview_url: false } })]);
    const stream = await readStreamToArray(service.store, streamName.notification(notificationId));
    expect(stream.map((e) => e.type)).toEqual(['NotificationPlanned', 'AttemptStarted', 'NotificationSent']);
    expect(stream[0]!.data).toMatchObject({ channel: 'whatsapp', selection: { kind: 'reply', actor: 'desk-blr' } });
    expect(stream[0]!.data).not.toHaveProperty('fallback');

    const { conversation } = await conversationOf(FRONTDESK_TOKEN, patient.id);
    expect(conversation).toMatchObject({ replies: 1, window: { open: true } });
    expect(conversation!.messages.at(-1)).toMatchObject({ direction: 'OUT', type: 'text', text: 'Yes, 11:00 works. See you then!', sentBy: 'desk-blr' });
  });

  it('answers WindowClosed 24 hours and a second after the patient\'s message, and sends nothing', async () => {
    const patient = newPatient();
    await confirmedFor(patient);
    const { sentAt } = await patientWrites(patient.phone, text('Thanks!'));
    const closesAt = new Date(Math.floor(sentAt.getTime() / 1000) * 1000 + 24 * HOUR);
    const before = whatsapp.requests.length;
    clock.set(new Date(closesAt.getTime() + 1000));
    try {
      const answer = await reply(FRONTDESK_TOKEN, patient.id, 'You are welcome', randomUUID());
      expect(answer.data?.replyToPatient).toMatchObject({ __typename: 'WindowClosed', closedAt: closesAt.toISOString() });
      expect((await conversationOf(FRONTDESK_TOKEN, patient.id)).conversation!.window).toEqual({ open: false, closesAt: closesAt.toISOString() });
      expect(whatsapp.requests.length).toBe(before);
    } finally {
      clock.set(sentAt);
    }
  });

  it('takes Meta\'s 131047 as the window closed: the reply fails, and the next is refused', async () => {
    const patient = newPatient();
    await confirmedFor(patient);
    await patientWrites(patient.phone, text('Is parking available?'));
    whatsapp.failNext(1, { status: 400, body: { error: { message: '(#131047) Re-engagement message', type: 'OAuthException', code: 131047, error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } } } });

    const first = await reply(FRONTDESK_TOKEN, patient.id, 'Yes, in the basement', randomUUID());
    const notificationId = first.data!.replyToPatient.notificationId!;
    const failed = await until(async () => {
      const row = await service.db.selectFrom('notifications').selectAll().where('notification_id', '=', notificationId).executeTakeFirst();
      return row?.status === 'failed' ? row : null;
    }, { what: 'the reply to fail' });
    expect(failed.last_error_code).toBe('131047');
    const { conversation } = await until(async () => {
      const answer = await conversationOf(FRONTDESK_TOKEN, patient.id);
      return answer.conversation?.window.open === false ? answer : null;
    }, { what: 'the window to close' });
    expect(conversation!.window.closesAt).not.toBeNull();
    expect((await reply(FRONTDESK_TOKEN, patient.id, 'Yes, in the basement', randomUUID())).data?.replyToPatient.__typename).toBe('WindowClosed');
  });

  it('refuses an empty text and an over-long one by field, and changes nothing', async () => {
    const patient = newPatient();
    await confirmedFor(patient);
    await patientWrites(patient.phone, text('Hello'));
    const empty = await reply(FRONTDESK_TOKEN, patient.id, '  ', randomUUID());
    expect(empty.data?.replyToPatient).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'text' }] });
    const long = await reply(FRONTDESK_TOKEN, patient.id, 'x'.repeat(4097), randomUUID());
    expect(long.data?.replyToPatient).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'text' }] });
    expect((await conversationOf(ADMIN_TOKEN, patient.id)).conversation!.replies).toBe(0);
  });
});

describe('who may read and reply', () => {
  it('lets a front desk read and answer only its centres\' conversations; a dashboard reads them masked and cannot reply; an ingest token can do none of it', async () => {
    const patient = newPatient();
    await confirmedFor(patient);
    await patientWrites(patient.phone, text('Where do I park?'));

    // The other centre's front desk sees nothing of it, and may not answer.
    expect(await conversationOf(OTHER_FRONTDESK_TOKEN, patient.id)).toEqual({ conversation: null });
    const list = await gqlData<{ conversations: { id: string }[] }>(service, OTHER_FRONTDESK_TOKEN, 'query { conversations(first: 100) { id } }');
    expect(list.conversations.map((c) => c.id)).not.toContain(conversationIdOf(patient.phone));
    expect((await reply(OTHER_FRONTDESK_TOKEN, patient.id, 'Hi', randomUUID())).data?.replyToPatient).toMatchObject({ __typename: 'NotFoundError' });
    const mine = await gqlData<{ conversations: { id: string; contact: string }[] }>(service, FRONTDESK_TOKEN, 'query { conversations(first: 100) { id contact } }');
    expect(mine.conversations).toContainEqual({ id: conversationIdOf(patient.phone), contact: patient.phone });

    // A dashboard reads it with the number masked, and cannot reply.
    const masked = await conversationOf(DASHBOARD_TOKEN, patient.id);
    expect(masked.conversation!.contact).toMatch(/^\+91\*+\d{4}$/);
    const refused = await reply(DASHBOARD_TOKEN, patient.id, 'Hi', randomUUID());
    expect(refused.data).toBeNull();
    expect(refused.errors[0]?.message).toMatch(/not authorized/i);
    // An auditor reads the number whole, and cannot reply either.
    expect((await conversationOf(AUDITOR_TOKEN, patient.id)).conversation!.contact).toBe(patient.phone);
    expect((await reply(AUDITOR_TOKEN, patient.id, 'Hi', randomUUID())).data).toBeNull();

    // An ingest token can do none of it.
    for (const query of ['query { conversations { id } }', `query { conversation(patientId: "${patient.id}") { id } }`]) {
      const answer = await gql(service, INGEST_TOKEN, query);
      expect(answer.errors[0]?.message).toMatch(/not authorized/i);
    }
    expect((await reply(INGEST_TOKEN, patient.id, 'Hi', randomUUID())).data).toBeNull();

    // A front desk does nothing else: no notifications, no ledger, no other staff's alerts.
    expect((await gql(service, FRONTDESK_TOKEN, 'query { notifications(first: 1) { edges { node { id } } } }')).errors[0]?.message).toMatch(/not authorized/i);
    expect((await gql(service, FRONTDESK_TOKEN, 'query { staffAlerts(staffId: "bina-billing") { title } }')).errors[0]?.message).toMatch(/front desk/i);
    expect((await gql(service, OTHER_FRONTDESK_TOKEN, 'query { staffAlerts(staffId: "divya-desk") { title } }')).errors[0]?.message).toMatch(/front desk/i);
    expect((await reply(FRONTDESK_TOKEN, patient.id, 'Level B2', randomUUID())).data?.replyToPatient.__typename).toBe('ReplySent');
  });

  it('tells each token who it is, so a page offers only what its role may do', async () => {
    expect(await gqlData(service, FRONTDESK_TOKEN, 'query { viewer { name role centres } }')).toEqual({ viewer: { name: 'desk-blr', role: 'frontdesk', centres: ['centre-blr'] } });
    expect(await gqlData(service, DASHBOARD_TOKEN, 'query { viewer { name role centres } }')).toEqual({ viewer: { name: 'wall-dashboard', role: 'dashboard', centres: null } });
    expect((await gql(service, 'not-a-token-at-all-0123456789', 'query { viewer { role } }')).data).toBeNull();
  });

  it('tells a front desk live of a new message at its centres', async () => {
    const patient = newPatient();
    await confirmedFor(patient);
    const live = subscribeOverWebSocket<{ conversationUpdated: { id: string; inboundMessages: number } }>(service, FRONTDESK_TOKEN, 'subscription { conversationUpdated { id inboundMessages } }');
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await patientWrites(patient.phone, text('On my way'));
      const update = await until(async () => live.received.find((r) => r.conversationUpdated.id === conversationIdOf(patient.phone)) ?? null, { what: 'the live update' });
      expect(update.conversationUpdated.inboundMessages).toBe(1);
    } finally {
      await live.close();
    }
  });
});
