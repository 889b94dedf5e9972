import { sealJsonText, type DataKey } from '../domain/keys/field-cipher.ts';
import { contactHash, type LedgerKeys } from '../domain/keys/ledger-keys.ts';
import { personalParts, sealParts, type KeyScope, type PartsContext, type PersonalPart, type PersonRef } from '../domain/keys/personal-data.ts';

/** What sealing needs of an event: its id (bound into every ciphertext), its type and its data. */
export interface SealableEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}

/** Where sealing takes each person's key: their live one (PersonKeyStore.liveKeys), or one made to be destroyed. */
export interface SealingKeys {
  liveKeys(requests: readonly { person: PersonRef; scope: KeyScope }[]): Promise<DataKey[]>;
}

export const requestKey = (person: PersonRef, scope: KeyScope): string => `${person.kind}\u0000${person.id}\u0000${scope}`;

/** Contacts named by their keyed hash under the master key, as every part of the service names them. */
export const partsContext = (hashes: Pick<LedgerKeys, 'contactHash'>): PartsContext => ({
  contactId: (kind, value) => contactHash(hashes, kind, value),
});

/** Each event's personal parts, as `PERSONAL_DATA` names them. */
export function findPersonalParts(events: readonly SealableEvent[], hashes: Pick<LedgerKeys, 'contactHash'>): PersonalPart[][] {
  const context = partsContext(hashes);
  return events.map((event) => personalParts(event.type, event.data, context));
}

/**
 * The events with `parts[i]` of event i sealed under their person's key, the event id bound in as
 * associated data, with one trip to `keys` for the whole batch. The one way personal data is
 * sealed: at the append (ProtectedEventStore) and over a ledger written before (migrate-encrypt).
 * An event with no part to seal is handed back as it came.
 */
export async function sealPersonalParts<E extends SealableEvent>(
  events: readonly E[],
  parts: readonly (readonly PersonalPart[])[],
  keys: SealingKeys,
  /** Told of each value sealed, with the JSON it holds: a writer that reads its own events back may keep it. */
  onSealed?: (eventId: string, sealed: string, json: string, key: DataKey) => void,
): Promise<E[]> {
  // Each (person, scope) once, in the order first met: one trip to `keys` for the batch.
  const slots = new Map<string, number>();
  const requests: { person: PersonRef; scope: KeyScope }[] = [];
  const slotOf: number[][] = parts.map((found) =>
    found.map((part) => {
      const key = requestKey(part.person, part.scope);
      let slot = slots.get(key);
      if (slot === undefined) {
        slots.set(key, (slot = requests.length));
        requests.push({ person: part.person, scope: part.scope });
      }
      return slot;
    }),
  );
  if (requests.length === 0) return [...events];
  const handed = await keys.liveKeys(requests);
  return events.map((event, i) => {
    const found = parts[i] ?? [];
    if (found.length === 0) return event;
    const slotsOfEvent = slotOf[i]!;
    const data = sealParts(event.data as Record<string, unknown>, found, (part, value) => {
      const key = handed[slotsOfEvent[found.indexOf(part)]!];
      if (!key) throw new Error(`No data key was handed out for a ${part.person.kind}'s ${part.scope}`);
      const json = JSON.stringify(value) as string | undefined;
      if (json === undefined) throw new Error(`A ${part.person.kind}'s ${typeof value} has no JSON form to seal`);
      const sealed = sealJsonText(key, event.id, json);
      onSealed?.(event.id, sealed, json, key);
      return sealed;
    });
    return { ...event, data };
  });
}
