import { sealJson, type DataKey } from '../domain/keys/field-cipher.ts';
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
): Promise<E[]> {
  if (parts.every((found) => found.length === 0)) return [...events];
  const requests = [...new Map(parts.flat().map((p) => [requestKey(p.person, p.scope), { person: p.person, scope: p.scope }])).entries()];
  const handed = await keys.liveKeys(requests.map(([, request]) => request));
  const live = new Map(requests.map(([key], i) => [key, handed[i]!]));
  return events.map((event, i) => {
    const found = parts[i] ?? [];
    if (found.length === 0) return event;
    const data = sealParts(event.data as Record<string, unknown>, found, (part, value) => {
      const key = live.get(requestKey(part.person, part.scope));
      if (!key) throw new Error(`No data key was handed out for a ${part.person.kind}'s ${part.scope}`);
      return sealJson(key, event.id, value);
    });
    return { ...event, data };
  });
}
