import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONVERSATION_THREAD, ConversationThreadAnswer, LIST_CONVERSATIONS, ListConversationsAnswer, REPLY_TO_PATIENT, ReplyToPatientAnswer,
} from '../../dashboard/src/conversation-documents.ts';
import { patientMessageEventId, patientRepliedEventId } from '../../src/domain/conversations/conversation-events.ts';
import type { InboundEventReceived } from '../../src/domain/intake/inbound-receipt.ts';
import { contactHash } from '../../src/domain/keys/ledger-keys.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { isCell } from '../../src/domain/keys/sealed-cell.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { gql, gqlData, subscribeOverWebSocket } from '../graphql/support/graphql-client.ts';
import { fixedClock } from '../support/clock.ts';
import { confirmedOnWhatsApp } from '../support/confirmed-booking.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, DASHBOARD_TOKEN, FRONTDESK_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { start360DialogStandin, type Dialog360Standin, whatsappThroughStandin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { settle, tablesContaining } from '../support/tables-containing.ts';
import { until } from '../support/until.ts';
import { postWhatsAppMessage, type InboundContent } from '../support/whatsapp-statuses.ts';
import { seedStaff } from '../staff/support/staff-fixtures.ts';

// The conversations and inbound-message read models keep a patient's number, name and words sealed:
// a dump of those tables shows none of them, while the API shows them whole to those allowed, the
// front desk's reply reaches the real number, an erasure leaves what a rebuild gives, and a replay
// rebuilds the same bytes.
const clock = fixedClock(new Date());
const WEBHOOK_SECRET = 'sealed-conversations-webhook-secret';
const SEALED_TABLES = ['public.conversations', 'public.conversation_patients', 'public.conversation_messages', 'public.inbound_messages'];
let database: TestDatabase;
let service: TestService;
let whatsapp: Dialog360Standin;

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
  database = await createTestDatabase();
  service = await startTestService({
    clock,
    database,
    personalData: 'sealed',
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    env: whatsappThroughStandin(whatsapp, WEBHOOK_SECRET),
  });
  await seedStaff(service, clock);
});
afterAll(async () => {
  await service?.stop();
  await whatsapp?.close();
  await database?.drop();
});

const tag = () => randomUUID().slice(0, 8);
const randomPhone = () => `+919${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
const newPatient = (first: string, phone = randomPhone()) => ({ id: `pat-${randomUUID()}`, name: `${first} Q${tag()}`, phone });
type Patient = ReturnType<typeof newPatient>;

/** Which of the sealed tables hold `needle` in clear. */
const sealedTablesContaining = async (needle: string) => (await tablesContaining(service.db, needle)).filter((t) => SEALED_TABLES.includes(t));

async function patientWrites(phone: string, content: InboundContent): Promise<string> {
  const id = `wamid.IN.${randomUUID()}`;
  clock.advance(1000); // Meta's timestamps are whole seconds: one each keeps the thread in the order written.
  await postWhatsAppMessage(service, WEBHOOK_SECRET, { from: phone, id, sentAt: clock.now(), content });
  await until(async () => (await service.db.selectFrom('conversation_messages').select('message_id').where('provider_message_id', '=', id).executeTakeFirst()) ?? null, { what: `message ${id} in its conversation` });
  return id;
}

const REPLY = `mutation($patientId: String!, $text: String!, $key: String!) {
  replyToPatient(patientId: $patientId, text: $text, idempotencyKey: $key) { __typename ... on ReplySent { notificationId } } }`;
/** A front-desk reply, a second after what came before it, so the thread's order is the order things happened. */
function reply(patientId: string, words: string) {
  clock.advance(1000);
  return gqlData<{ replyToPatient: { __typename: string; notificationId?: string } }>(service, FRONTDESK_TOKEN, REPLY, { patientId, text: words, key: randomUUID() });
}

/** The reply sent, and the text messages the 360dialog stand-in took for this number. */
async function replySent(notificationId: string, phone: string) {
  await until(async () => {
    service.dispatcher?.poke();
    const row = await service.db.selectFrom('notifications').select('status').where('notification_id', '=', notificationId).executeTakeFirst();
    return row?.status === 'sent' ? row : null;
  }, { what: 'the reply sent' });
  return whatsapp.accepted.map((r) => JSON.parse(r.text) as { to: string; type: string; text?: { body: string } }).filter((b) => b.to === phone.slice(1) && b.type === 'text');
}

const CONVERSATION = `query($patientId: String!) { conversation(patientId: $patientId) {
  contact patients { id name }
  messages { direction text media { kind caption } location { latitude name } }
} }`;
interface ConversationAnswer {
  conversation: null | {
    contact: string;
    patients: { id: string; name: string | null }[];
    messages: { direction: string; text: string | null; media: { kind: string; caption: string | null } | null; location: { latitude: number; name: string | null } | null }[];
  };
}
const conversationOf = (token: string, patientId: string) => gqlData<ConversationAnswer>(service, token, CONVERSATION, { patientId });

const INBOUND = `query($from: DateTime) { inboundMessages(channel: whatsapp, from: $from, first: 50) { edges { node { providerMessageId sender text } } } }`;
const inboundFor = async (wamids: readonly string[]) => {
  const answer = await gqlData<{ inboundMessages: { edges: { node: { providerMessageId: string; sender: string; text: string | null } }[] } }>(
    service, AUDITOR_TOKEN, INBOUND, { from: new Date(clock.now().getTime() - 3600_000).toISOString() });
  return answer.inboundMessages.edges.map((e) => e.node).filter((n) => wamids.includes(n.providerMessageId));
};

const erase = async (patient: Patient) => {
  const done = await gqlData<{ erasePerson: { __typename: string } }>(service, ADMIN_TOKEN, `
    mutation ($id: ID!) { erasePerson(kind: PATIENT, id: $id, reason: "asked to be forgotten (ticket 512)") { __typename } }`, { id: patient.id });
  expect(done.erasePerson.__typename).toBe('PersonErasure');
  const [erasure] = await readStreamToArray(service.store, streamName.erasure('patient', patient.id));
  await service.whenProcessed(erasure!.position);
  await settle(service);
};

const replay = async (prefix: string) => (await replayReadModels(service.connection, { schemaPrefix: prefix, keys: service.keys, databaseUrl: service.database.url })).differences;

describe('conversation rows with personal data sealed', () => {
  it('keeps the number, the name and the words out of the tables, shows them to those allowed, sends the reply to the real number, and replays to the same rows', async () => {
    const asha = newPatient('Asha');
    await confirmedOnWhatsApp(service, clock, asha);
    const words = `please move my visit ${tag()}`;
    const caption = `my x-ray ${tag()}`;
    const place = `Home ${tag()}`;
    const answer = `Moved to Friday ${tag()}`;
    const live = subscribeOverWebSocket<{ conversationUpdated: { id: string; contact: string; patients: { name: string | null }[] } }>(
      service, FRONTDESK_TOKEN, 'subscription { conversationUpdated { id contact patients { name } } }');
    try {
      // Given Asha writes back (words, a photo with a caption, a location) and the front desk answers.
      const wamids = [
        await patientWrites(asha.phone, { type: 'text', text: { body: words } }),
        await patientWrites(asha.phone, { type: 'image', image: { id: `media-${tag()}`, mime_type: 'image/jpeg', caption } }),
        await patientWrites(asha.phone, { type: 'location', location: { latitude: 12.97, longitude: 77.59, name: place } }),
      ];
      const replied = await reply(asha.id, answer);
      expect(replied.replyToPatient.__typename).toBe('ReplySent');

      // Then the stand-in got the reply at her number, with the words the front desk wrote.
      expect(await replySent(replied.replyToPatient.notificationId!, asha.phone)).toEqual([expect.objectContaining({ to: asha.phone.slice(1), text: expect.objectContaining({ body: answer }) })]);
      await settle(service);

      // None of the sealed tables holds her number, her name or any of the words in clear.
      for (const secret of [asha.phone.slice(1), asha.name, words, caption, place, answer]) expect(await sealedTablesContaining(secret)).toEqual([]);
      const stored = await service.db.selectFrom('conversations').select('address').where('conversation_id', '=', contactHash(service.keys, 'phone', asha.phone)).executeTakeFirstOrThrow();
      expect(isCell(stored.address)).toBe(true);
      const inbound = await service.db.selectFrom('inbound_messages').select(['sender', 'sender_hash']).where('provider_message_id', 'in', wamids).execute();
      expect(inbound.map((r) => [isCell(r.sender), r.sender_hash])).toEqual(wamids.map(() => [true, contactHash(service.keys, 'phone', asha.phone)]));

      // The front desk reads them whole, a dashboard with the number masked, an auditor the inbound messages whole.
      const seen = await conversationOf(FRONTDESK_TOKEN, asha.id);
      expect(seen.conversation).toMatchObject({ contact: asha.phone, patients: [{ id: asha.id, name: asha.name }] });
      expect(seen.conversation!.messages.filter((m) => m.direction === 'IN')).toEqual([
        { direction: 'IN', text: words, media: null, location: null },
        { direction: 'IN', text: caption, media: { kind: 'image', caption }, location: null },
        { direction: 'IN', text: null, media: null, location: { latitude: 12.97, name: place } },
      ]);
      expect(seen.conversation!.messages.at(-1)).toMatchObject({ direction: 'OUT', text: answer });
      expect((await conversationOf(DASHBOARD_TOKEN, asha.id)).conversation!.contact).toMatch(/^\+91\*+\d{4}$/);
      expect(await inboundFor(wamids)).toEqual(expect.arrayContaining([
        { providerMessageId: wamids[0], sender: asha.phone, text: words },
        { providerMessageId: wamids[1], sender: asha.phone, text: caption },
        { providerMessageId: wamids[2], sender: asha.phone, text: null },
      ]));

      // The live view shows the number and the name opened (three messages and a reply: it heard one at least).
      const update = await until(async () => live.received.find((u) => u.conversationUpdated.id === contactHash(service.keys, 'phone', asha.phone)) ?? null, { what: 'a live update' });
      expect(update.conversationUpdated).toMatchObject({ contact: asha.phone, patients: [{ name: asha.name }] });

      // The front desk's alert names her, not a sealed copy of her name.
      const [alerted] = await readStreamToArray(service.store, streamName.inbound(patientRepliedEventId(patientMessageEventId('360dialog', wamids[0]!))));
      expect((alerted!.data as InboundEventReceived).data).toMatchObject({ patients: [{ id: asha.id, name: asha.name }] });
    } finally {
      await live.close();
    }

    // And a rebuild copies the same cells.
    expect(await replay('replay_sealed_rows')).toEqual([]);
  }, 120_000);

  it('gives the dashboard\'s Conversations page the number, the names and the words opened, in the shapes it reads', async () => {
    const kavya = newPatient('Kavya');
    await confirmedOnWhatsApp(service, clock, kavya);
    const words = `running late ${tag()}`;
    const answer = `No problem ${tag()}`;
    await patientWrites(kavya.phone, { type: 'text', text: { body: words } });
    const id = contactHash(service.keys, 'phone', kavya.phone);

    // The list, as the page asks for it.
    const list = ListConversationsAnswer.parse(await gqlData(service, FRONTDESK_TOKEN, LIST_CONVERSATIONS, { first: 100 }));
    expect(list.conversations.find((c) => c.id === id)).toMatchObject({ contact: kavya.phone, patients: [{ id: kavya.id, name: kavya.name }], messages: [{ direction: 'IN', text: words }] });

    // The page's reply answers with the thread; the thread then holds the reply.
    clock.advance(1000);
    const replied = ReplyToPatientAnswer.parse(await gqlData(service, FRONTDESK_TOKEN, REPLY_TO_PATIENT, { patientId: kavya.id, text: answer, idempotencyKey: randomUUID() }));
    if (replied.replyToPatient.__typename !== 'ReplySent') throw new Error(`the reply was refused: ${replied.replyToPatient.__typename}`);
    expect(replied.replyToPatient.conversation).toMatchObject({ contact: kavya.phone, patients: [{ name: kavya.name }] });
    const thread = await until(async () => {
      const { conversation } = ConversationThreadAnswer.parse(await gqlData(service, FRONTDESK_TOKEN, CONVERSATION_THREAD, { patientId: kavya.id }));
      return conversation?.messages.some((m) => m.direction === 'OUT' && m.text === answer) ? conversation : null;
    }, { what: 'the reply in the thread' });
    expect(thread.messages.filter((m) => m.type !== 'template').map((m) => [m.direction, m.text])).toEqual([['IN', words], ['OUT', answer]]);

    // A wall dashboard reads the same thread with the number masked.
    const wall = ConversationThreadAnswer.parse(await gqlData(service, DASHBOARD_TOKEN, CONVERSATION_THREAD, { patientId: kavya.id }));
    expect(wall.conversation).toMatchObject({ contact: expect.stringMatching(/^\+91\*+\d{4}$/), patients: [{ name: kavya.name }] });
    expect(wall.conversation!.messages.filter((m) => m.direction === 'IN').map((m) => m.text)).toEqual([words]);
  }, 60_000);

  it('erases one patient of a family number: the number and its words read [erased], the replies to the other patient stay theirs, the number written from again is answered, and a replay agrees', async () => {
    const mother = newPatient('Meena');
    const son = newPatient('Arjun', mother.phone);
    await confirmedOnWhatsApp(service, clock, mother);
    await confirmedOnWhatsApp(service, clock, son);
    const words = `which of us is booked ${tag()}`;
    const wamid = await patientWrites(mother.phone, { type: 'text', text: { body: words } });
    const toMother = `Meena is on Monday ${tag()}`;
    const toSon = `Arjun is on Tuesday ${tag()}`;
    for (const [patient, text] of [[mother, toMother], [son, toSon]] as const) {
      const replied = await reply(patient.id, text);
      await replySent(replied.replyToPatient.notificationId!, mother.phone);
    }
    await settle(service);

    await erase(mother);

    // The number and the words written from it read [erased]; the reply to her too; the reply to her son is still his.
    const seen = await conversationOf(FRONTDESK_TOKEN, son.id);
    expect(seen.conversation).toMatchObject({ contact: ERASED, patients: [{ id: son.id, name: son.name }] });
    // The son's own confirmation to the number is his: it stays in the thread (found by the number's keyed hash), readable.
    expect(seen.conversation!.messages.map((m) => [m.direction, m.text])).toEqual([['OUT', expect.stringContaining(son.name)], ['IN', ERASED], ['OUT', ERASED], ['OUT', toSon]]);
    expect(await inboundFor([wamid])).toEqual([{ providerMessageId: wamid, sender: ERASED, text: ERASED }]);
    expect(await service.db.selectFrom('inbound_messages').select('sender_hash').where('provider_message_id', '=', wamid).executeTakeFirst()).toEqual({ sender_hash: null });
    expect(await conversationOf(FRONTDESK_TOKEN, mother.id)).toEqual({ conversation: null });

    // No number is left to answer on: the reply is refused, nothing sent.
    const sentBefore = whatsapp.accepted.length;
    const refused = await gql<{ replyToPatient: { __typename: string } }>(service, FRONTDESK_TOKEN, REPLY, { patientId: son.id, text: 'Still there?', key: randomUUID() });
    expect(refused.data?.replyToPatient.__typename).toBe('NotFoundError');
    expect(whatsapp.accepted.length).toBe(sentBefore);

    // When the number writes again (new data, under a new key) the conversation has its number back, and the son an answer.
    const again = `it is Arjun now ${tag()}`;
    await patientWrites(mother.phone, { type: 'text', text: { body: again } });
    expect((await conversationOf(FRONTDESK_TOKEN, son.id)).conversation).toMatchObject({ contact: mother.phone });
    const answered = await reply(son.id, `See you Tuesday ${tag()}`);
    expect(answered.replyToPatient.__typename).toBe('ReplySent');
    expect((await replySent(answered.replyToPatient.notificationId!, mother.phone)).length).toBeGreaterThan(0);
    await settle(service);
    for (const secret of [mother.phone.slice(1), again]) expect(await sealedTablesContaining(secret)).toEqual([]);

    // The live rows are what a rebuild from the ledger gives.
    expect(await replay('replay_sealed_family')).toEqual([]);
  }, 120_000);
});
