import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_RECEIVED } from '../../src/domain/intake/inbound-receipt.ts';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import type { LedgerPosition, RecordedEvent, StreamAppend } from '../../src/ledger/event-store.ts';
import { OPENING_THREAD_MIN } from '../../src/ledger/opening-thread.ts';
import { PersonKeyStore } from '../../src/ledger/person-key-store.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { ProtectedEventStore } from '../../src/ledger/protected-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { lastCommitted, readAllVisible } from '../support/read-all-visible.ts';

// Large reads open their sealed values on a thread of their own: they must read exactly as inline.
const keys = deriveLedgerKeys(Buffer.alloc(32, 5));
const PATIENTS = 200;

let database: TestDatabase;
let connection: SqlConnection;
let keyStore: PersonKeyStore;
let ledger: PostgresEventStore;
const stores: ProtectedEventStore[] = [];

/** A store of its own (nothing opened kept from another), on the opening thread or not. */
function store(openingThread: boolean): ProtectedEventStore {
  const made = new ProtectedEventStore(ledger, keyStore, keys, { openingThread });
  stores.push(made);
  return made;
}

const patients = Array.from({ length: PATIENTS }, (_, i) => ({ id: `pat-${randomUUID()}`, name: `Asha ${i}`, phone: `+9198${String(10_000_000 + i).slice(1)}`, email: `asha.${i}@example.com` }));

/** Per patient: a booking as upstream sent it (the patient sealed) and a planned WhatsApp (recipient, variables, words). */
function appendsFor(patient: (typeof patients)[number]): StreamAppend[] {
  const eventId = `his:${randomUUID()}`;
  const notificationId = randomUUID();
  return [
    {
      stream: streamName.inbound(eventId),
      expected: 'no-stream',
      events: [{ id: randomUUID(), type: INBOUND_RECEIVED, data: { eventId, type: 'appointment.confirmed', occurredAt: '2026-12-07T04:00:00Z', data: { patient, doctor: { id: 'doc-1', name: 'Dr. Meera Rao' } }, receivedAt: '2026-12-07T04:00:01Z', via: 'amqp', payloadHash: 'h' } }],
    },
    {
      stream: streamName.notification(notificationId),
      expected: 'no-stream',
      events: [{
        id: randomUUID(),
        type: 'NotificationPlanned',
        data: {
          notificationId,
          channel: 'whatsapp',
          plannedAt: '2026-12-07T04:00:02Z',
          recipient: { kind: 'patient', id: patient.id, name: patient.name, address: patient.phone, locale: 'en' },
          variables: { patient_name: patient.name },
          content: { channel: 'whatsapp', body: `Hello ${patient.name}, your appointment is confirmed.` },
        },
      }],
    },
  ];
}

async function readEverything(from: ProtectedEventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after: LedgerPosition | null = null;
  for (;;) {
    const batch = await from.readAll(after, 5000);
    events.push(...batch);
    if (batch.length < 5000) return events;
    after = batch.at(-1)!.position;
  }
}

const view = (events: readonly RecordedEvent[]) => events.map((e) => ({ id: e.id, data: e.data, sealed: e.sealed }));

beforeAll(async () => {
  database = await createTestDatabase();
  connection = connectPostgres(database.url, { applicationName: 'opening-thread' });
  keyStore = await PersonKeyStore.open(connection, keys, { databaseUrl: database.url });
  ledger = await PostgresEventStore.open(connection);
  const writer = store(false);
  const results = await writer.appendEach(patients.flatMap(appendsFor));
  expect(results.every((r) => r.ok)).toBe(true);
  // A read of the whole ledger stops before transactions still running anywhere on the server (other
  // test files' too): wait until all of it is readable, so every read below sees the same events.
  await readAllVisible(ledger, null, 5000, await lastCommitted(connection.db));
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await keyStore?.close();
  await connection?.close();
  await database?.drop();
});

describe('opening a large read on its own thread', () => {
  it('reads exactly what opening inline reads, every personal part opened', async () => {
    const threaded = store(true);
    const onThread = await readEverything(threaded);
    const inline = await readEverything(store(false));
    expect(onThread).toHaveLength(PATIENTS * 2);
    // Four sealed parts per patient (the patient; the recipient, the variables, the words), all in one read.
    expect(PATIENTS * 4).toBeGreaterThanOrEqual(OPENING_THREAD_MIN);
    expect(threaded.openingStats().onThread).toBe(PATIENTS * 4);
    expect(view(onThread)).toEqual(view(inline));
    const planned = onThread.find((e) => e.type === 'NotificationPlanned')!.data as { recipient: { name: string; address: string }; content: { body: string } };
    const patient = patients.find((p) => p.phone === planned.recipient.address)!;
    expect(planned.recipient.name).toBe(patient.name);
    expect(planned.content.body).toContain(patient.name);
  });

  it('opens a subscription\'s reads on the thread too, and gives the same events', async () => {
    const threaded = store(true);
    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    for await (const event of threaded.subscribeToAll(null, controller.signal)) {
      seen.push(event);
      if (seen.length === PATIENTS * 2) break;
    }
    controller.abort();
    expect(threaded.openingStats().onThread).toBe(PATIENTS * 4);
    expect(view(seen)).toEqual(view(await readEverything(store(false))));
  });

  it('reads an erased patient as [erased] and everyone else opened, as inline does', async () => {
    const erased = patients[7]!;
    expect(await keyStore.destroyPerson({ kind: 'patient', id: erased.id }, 'consent withdrawn')).toBeGreaterThan(0);
    const threaded = store(true);
    const onThread = await readEverything(threaded);
    expect(view(onThread)).toEqual(view(await readEverything(store(false))));
    expect(threaded.openingStats().onThread).toBeGreaterThanOrEqual(OPENING_THREAD_MIN);
    const theirs = onThread.filter((e) => JSON.stringify(e.data).includes(erased.id));
    expect(theirs).toHaveLength(2);
    expect(JSON.stringify(theirs.map((e) => e.data))).not.toContain(erased.name);
    const planned = theirs.find((e) => e.type === 'NotificationPlanned')!.data as { recipient: Record<string, unknown>; content: unknown };
    expect(planned.recipient).toMatchObject({ kind: 'patient', id: erased.id, name: ERASED, address: ERASED });
    expect(planned.content).toEqual({ channel: 'whatsapp', body: ERASED });
    const other = onThread.find((e) => e.type === 'NotificationPlanned' && JSON.stringify(e.data).includes(patients[8]!.id))!.data as { recipient: { name: string } };
    expect(other.recipient.name).toBe(patients[8]!.name);
  });

  it('refuses a large read holding a ciphertext moved to another event', async () => {
    const { rows } = await sql<{ event_id: string; data: unknown }>`
      select event_id::text, data from ledger_events where event_type = 'NotificationPlanned' order by global_position limit 2`.execute(connection.db);
    const [from, to] = rows as [{ event_id: string; data: unknown }, { event_id: string; data: unknown }];
    try {
      await sql`update ledger_events set data = ${JSON.stringify(from.data)}::jsonb where event_id = ${to.event_id}::uuid`.execute(connection.db);
      const threaded = store(true);
      await expect(readEverything(threaded)).rejects.toThrow(new RegExp(`event ${to.event_id} does not open`));
      expect(threaded.openingStats().onThread).toBeGreaterThanOrEqual(OPENING_THREAD_MIN);
    } finally {
      await sql`update ledger_events set data = ${JSON.stringify(to.data)}::jsonb where event_id = ${to.event_id}::uuid`.execute(connection.db);
    }
  });

  it('reads inline, the same, once its thread is gone', async () => {
    const threaded = store(true);
    // Closing the store ends its thread; this ledger adapter holds nothing of its own to close.
    await threaded.close();
    const read = await readEverything(threaded);
    expect(threaded.openingStats().onThread).toBe(0);
    expect(view(read)).toEqual(view(await readEverything(store(false))));
  });
});
