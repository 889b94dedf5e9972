import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSealed, keyIdOf, openJson, sealJson, type DataKey } from '../../src/domain/keys/field-cipher.ts';
import { ERASED, openParts, sealParts, type PersonalPart } from '../../src/domain/keys/personal-data.ts';
import { CELL_FIELD, cellKeyIds, isCell, openCells, sealedAt, type SealedSource } from '../../src/domain/keys/sealed-cell.ts';
import { SealedCells } from '../../src/ledger/sealed-cells.ts';

// Read models copy the ledger's ciphertext, not the data: these cells open where the event opens,
// and nowhere once its key is gone.
const asha: DataKey = { keyId: randomUUID(), key: randomBytes(32) };
const ravi: DataKey = { keyId: randomUUID(), key: randomBytes(32) };
const patient = { id: 'pat-1', name: 'Asha Rao', phone: '+919812345678', email: 'asha@example.com' };
const data = {
  recipient: { kind: 'patient', ...patient },
  affected: [{ patient }, { patient: { id: 'pat-2', name: 'Ravi', phone: '+919800000002' } }],
  words: 'please call me back',
  centre: { id: 'c-1' },
};
const parts: PersonalPart[] = [
  { path: ['recipient'], person: { kind: 'patient', id: 'pat-1' }, scope: 'data', keep: ['kind', 'id'] },
  { path: ['affected', 0, 'patient'], person: { kind: 'patient', id: 'pat-1' }, scope: 'data', keep: ['id'] },
  { path: ['affected', 1, 'patient'], person: { kind: 'patient', id: 'pat-2' }, scope: 'data', keep: ['id'] },
  { path: ['words'], person: { kind: 'patient', id: 'pat-1' }, scope: 'data' },
];

function recorded(keys: DataKey[], destroyed: DataKey[] = []): SealedSource {
  const id = randomUUID();
  const byPerson = new Map([['pat-1', keys[0]!], ['pat-2', keys[1]!]]);
  const stored = sealParts(data, parts, (part, value) => sealJson(byPerson.get(part.person.id)!, id, value));
  const gone = new Set(destroyed.map((k) => k.keyId));
  const opened = openParts(stored, isSealed, (sealed) => {
    const key = keys.find((k) => k.keyId === keyIdOf(sealed))!;
    return gone.has(key.keyId) ? { ok: false, erased: true } : { ok: true, value: (openJson(key, id, sealed) as { value: unknown }).value };
  });
  return { id, data: opened, sealed: { data: stored } };
}

const provider = (destroyed: DataKey[] = []) => ({
  keysById: async (ids: readonly string[]) => new Map(ids.map((id) => {
    const key = [asha, ravi].find((k) => k.keyId === id) ?? null;
    return [id, key && destroyed.includes(key) ? { destroyed: true as const, keyId: id, at: new Date(), reason: 'erased' } : key];
  })),
});

describe('sealed cells', () => {
  const event = recorded([asha, ravi]);

  it('copies the ciphertext, never the value, and opens back to the value', async () => {
    const phone = sealedAt<string>(event, ['recipient', 'phone']);
    const words = sealedAt<string>(event, ['words']);
    const patientCell = sealedAt<Record<string, unknown>>(event, ['affected', 0, 'patient']);
    expect(isCell(phone) && isCell(words)).toBe(true);
    expect(JSON.stringify([phone, words, patientCell])).not.toMatch(/9812345678|Asha|asha@|call me/);
    expect(patientCell).toMatchObject({ id: 'pat-1', [CELL_FIELD]: expect.any(String) });
    const opened = await new SealedCells(provider()).open({ phone, words, patient: patientCell });
    expect(opened).toEqual({ phone: '+919812345678', words: 'please call me back', patient });
  });

  it('keeps ids and whatever the ledger keeps in clear as they are', () => {
    expect(sealedAt(event, ['recipient', 'id'])).toBe('pat-1');
    expect(sealedAt(event, ['centre'])).toEqual({ id: 'c-1' });
    expect(sealedAt(event, ['nothing', 'here'])).toBeUndefined();
  });

  it('copies a list whole with each person under their own key, and erases only the erased one', async () => {
    const affected = sealedAt(event, ['affected']);
    expect(cellKeyIds(affected)).toEqual(new Set([asha.keyId, ravi.keyId]));
    const opened = await new SealedCells(provider([asha])).open(affected);
    expect(opened).toEqual([
      { patient: { id: 'pat-1', name: ERASED, phone: ERASED, email: ERASED } },
      { patient: { id: 'pat-2', name: 'Ravi', phone: '+919800000002' } },
    ]);
    expect(await new SealedCells(provider([asha])).open(sealedAt(event, ['recipient', 'email']))).toBe(ERASED);
  });

  it('copies the same cell where its key was already gone (a rebuild after an erasure): it opens to [erased], as the live copy does', async () => {
    const late = recorded([asha, ravi], [asha]);
    const live = sealedAt<string>({ ...late, data: recorded([asha, ravi]).data }, ['recipient', 'phone']);
    const rebuilt = sealedAt<string>(late, ['recipient', 'phone']);
    expect(isCell(rebuilt)).toBe(true);
    expect(rebuilt).toBe(live);
    const cells = new SealedCells(provider([asha]));
    expect(await cells.open(rebuilt)).toBe(ERASED);
    expect(await cells.open(sealedAt(late, ['affected', 0, 'patient']))).toEqual({ id: 'pat-1', name: ERASED, phone: ERASED, email: ERASED });
    expect(await cells.open(sealedAt(late, ['affected', 1, 'patient', 'phone']))).toBe('+919800000002');
  });

  it('is the value itself where the ledger keeps personal data in clear', async () => {
    const clear: SealedSource = { id: randomUUID(), data };
    expect(sealedAt(clear, ['recipient', 'phone'])).toBe('+919812345678');
    expect(await new SealedCells(null).open({ a: 1 })).toEqual({ a: 1 });
  });

  it('refuses a cell moved to another event: it was altered', async () => {
    const phone = sealedAt<string>(event, ['recipient', 'phone']);
    const other = sealedAt<string>(recorded([asha, ravi]), ['recipient', 'phone']);
    const moved = phone.replace(/^pdc1\.[^.]+/, other.split('.').slice(0, 2).join('.'));
    await expect(new SealedCells(provider()).open(moved)).rejects.toThrow(/does not open/);
    expect(openCells('plain text', () => ({ ok: false }))).toBe('plain text');
  });
});
