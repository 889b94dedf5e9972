import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PAYLOADS } from '../../src/domain/intake/example-payloads.ts';
import { INBOUND_RECEIVED } from '../../src/domain/intake/inbound-receipt.ts';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { isCell, sealedAt } from '../../src/domain/keys/sealed-cell.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray, type EventStore, type LedgerPosition, type NewEvent, type RecordedEvent } from '../../src/ledger/event-store.ts';
import type { PersonKeyStore } from '../../src/ledger/person-key-store.ts';
import { ProtectedEventStore } from '../../src/ledger/protected-event-store.ts';
import { readAllVisible } from '../support/read-all-visible.ts';
import { SealedCells } from '../../src/ledger/sealed-cells.ts';

/** A ledger adapter and the key store beside it (in PostgreSQL or PGlite; the read models' database with KurrentDB). */
export interface SealedLedgerHarness {
  inner: EventStore;
  keyStore: PersonKeyStore;
  close(): Promise<void>;
}

const keys = deriveLedgerKeys(Buffer.alloc(32, 7));
const newPatient = () => ({ id: `pat-${randomUUID()}`, name: `Asha ${randomUUID().slice(0, 8)}`, phone: `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`, email: `asha.${randomUUID().slice(0, 8)}@example.com` });

function booking(patient: ReturnType<typeof newPatient>): { stream: ReturnType<typeof streamName.inbound>; event: NewEvent } {
  const eventId = `his:${randomUUID()}`;
  return {
    stream: streamName.inbound(eventId),
    event: {
      id: randomUUID(),
      type: INBOUND_RECEIVED,
      data: { eventId, type: 'appointment.confirmed', occurredAt: '2026-12-07T04:00:00Z', data: { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient }, receivedAt: '2026-12-07T04:00:01Z', via: 'amqp', payloadHash: 'h' },
      metadata: { actor: 'test' },
    },
  };
}

const patientOf = (event: RecordedEvent | undefined) => (event?.data as { data: { patient: unknown } } | undefined)?.data.patient;

/**
 * Personal data sealed before the append, whatever the adapter (item 7 of the erasure issue): what
 * the adapter holds has no name, phone or email; what the service reads opens whole, on every read
 * path; erasing the person makes every path read `[erased]`; read models' copies open and erase alike.
 */
export function describeSealedLedgerContract(name: string, open: () => Promise<SealedLedgerHarness>): void {
  describe(`the ledger with personal data sealed: ${name}`, () => {
    let harness: SealedLedgerHarness;
    let store: ProtectedEventStore;
    const asha = newPatient();
    const ravi = newPatient();
    const hers = booking(asha);
    let lastAppended: LedgerPosition | null = null;
    const his = booking(ravi);

    beforeAll(async () => {
      harness = await open();
      store = new ProtectedEventStore(harness.inner, harness.keyStore, keys);
      for (const { stream, event } of [hers, his]) {
        const appended = await store.append(stream, [event], 'no-stream');
        if (!appended.ok) throw appended.error;
        lastAppended = appended.position;
      }
    }, 120_000);
    afterAll(async () => harness?.close());

    const readEvery = async (stream: string, id: string) => {
      const fromStream = (await readStreamToArray(store, stream as never)).find((e) => e.id === id);
      const fromAll = (await readAllVisible(store, null, 100_000, lastAppended)).find((e) => e.id === id);
      const fromMany = (await store.readStreams([stream as never])).get(stream)?.find((e) => e.id === id);
      const controller = new AbortController();
      let fromSubscription: RecordedEvent | undefined;
      for await (const e of store.subscribeToAll(null, controller.signal)) {
        if (e.id === id) {
          fromSubscription = e;
          break;
        }
      }
      controller.abort();
      return [fromStream, fromAll, fromMany, fromSubscription];
    };

    it('holds no name, phone or email in the adapter, and opens them whole on every read path', async () => {
      const [raw] = await readStreamToArray(harness.inner, hers.stream);
      const stored = JSON.stringify(raw!.data);
      for (const secret of [asha.name, asha.phone.slice(1), asha.email]) expect(stored).not.toContain(secret);
      expect(stored).toContain(asha.id);
      for (const read of await readEvery(hers.stream, hers.event.id)) {
        expect(patientOf(read)).toEqual(asha);
        expect(read!.sealed?.data).toEqual(raw!.data);
      }
    }, 60_000);

    it('gives read models the ciphertext to copy, which opens back whole', async () => {
      const [read] = await readStreamToArray(store, hers.stream);
      const phone = sealedAt<string>(read!, ['data', 'patient', 'phone']);
      expect(isCell(phone)).toBe(true);
      expect(await new SealedCells(harness.keyStore).open(phone)).toBe(asha.phone);
    });

    it('reads an erased person as [erased] on every path, their copies too, and leaves another untouched', async () => {
      const [read] = await readStreamToArray(store, hers.stream);
      const copy = sealedAt<string>(read!, ['data', 'patient', 'phone']);
      expect(await harness.keyStore.destroyPerson({ kind: 'patient', id: asha.id }, 'consent withdrawn')).toBeGreaterThan(0);
      await expect.poll(async () => patientOf((await readStreamToArray(store, hers.stream))[0]), { timeout: 10_000 })
        .toEqual({ id: asha.id, name: ERASED, phone: ERASED, email: ERASED });
      for (const after of await readEvery(hers.stream, hers.event.id)) {
        expect(patientOf(after)).toEqual({ id: asha.id, name: ERASED, phone: ERASED, email: ERASED });
        expect(sealedAt(after!, ['data', 'patient', 'phone'])).toBe(copy);
      }
      expect(await new SealedCells(harness.keyStore).open(copy)).toBe(ERASED);
      for (const other of await readEvery(his.stream, his.event.id)) expect(patientOf(other)).toEqual(ravi);
    }, 60_000);
  });
}
