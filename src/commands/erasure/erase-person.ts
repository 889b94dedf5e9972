import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import { ERASURE_EVENT_TYPES, parseErasePerson, type ErasableKind, type ErasePersonInput, type PersonErased } from '../../domain/erasure/person-erased.ts';
import type { FieldIssue } from '../../domain/intake/envelope.ts';
import { contactHash, contactKindOf, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { erasedSuppression } from '../../domain/erasure/erased-suppression.ts';
import { NOTIFICATION_EVENT_TYPES } from '../../domain/notifications/notification-events.ts';
import { evolveNotification, initialNotificationState } from '../../domain/notifications/notification-state.ts';
import { deliveryEvent } from '../../domain/notifications/outcome-events.ts';
import { formatPosition, readStreamToArray, type EventStore } from '../../ledger/event-store.ts';
import type { PersonKeyStore } from '../../ledger/person-key-store.ts';

/** What erasure asks the read models (src/projections/erasure/erasure.queries.ts). */
export interface ErasureReads {
  /**
   * The addresses messages went to and, for a staff member, every contact their directory record
   * held, each with its channel; and the conversations (by keyed hash) they were joined to.
   */
  knownAddresses(kind: ErasableKind, id: string): Promise<{ addresses: { channel: Channel; address: string }[]; conversations: string[] }>;
  /** The notifications to them still waiting to be sent (planned or deferred). */
  waitingNotifications(kind: ErasableKind, id: string): Promise<string[]>;
}

export interface ErasureDeps {
  store: EventStore;
  /** What the read models know of the person, before they are scrubbed. */
  reads: ErasureReads;
  clock: Clock;
  /** The key store and the contact-hash key; null when personal data is kept in clear: the ledger cannot forget then, and erasure says so. */
  sealing: ErasureSealing | null;
}

export interface ErasureSealing {
  keys: Pick<LedgerKeys, 'contactHash'>;
  personKeys: Pick<PersonKeyStore, 'destroyPerson'>;
}

export interface ErasureDone {
  kind: ErasableKind;
  id: string;
  erasedAt: string;
  position: string;
  /** Keys destroyed: the person's (who they are, and each month of words sent to them) and their contacts'. */
  keysDestroyed: number;
  contacts: number;
  /** Notifications that were waiting to be sent (due later, deferred, between retries), now suppressed as `erased`. */
  suppressed: number;
}

export type ErasureRefused = { kind: 'invalid-input'; issues: FieldIssue[] } | { kind: 'not-sealed' };

/**
 * Forgets a person: records `PersonErased` (no personal data in it), then destroys their keys and
 * those of the contacts known to be theirs, so everything sealed under them, in the ledger and in
 * any copy of it, reads `[erased]` from then on. Read models scrub their rows and pending work is
 * suppressed as `erased` in reaction to the event (src/projections/erasure/).
 *
 * The event comes first: a crash before the keys go leaves it recorded, and erasing again (the
 * same request, repeated) destroys what is left, the contacts recorded before included; the other
 * order could forget someone with no record of why.
 */
export async function erasePerson(deps: ErasureDeps, raw: ErasePersonInput, actor: string): Promise<Result<ErasureDone, ErasureRefused>> {
  const parsed = parseErasePerson(raw);
  if (!parsed.ok) return err({ kind: 'invalid-input', issues: parsed.error });
  if (!deps.sealing) return err({ kind: 'not-sealed' });
  const { keys, personKeys } = deps.sealing;
  const { kind, id, reason } = parsed.value;

  // An erasure repeated after a crash finds the read models already scrubbed: the contacts the
  // earlier one recorded still go with it.
  const stream = streamName.erasure(kind, id);
  const earlier = (await readStreamToArray(deps.store, stream)).flatMap((e) => (e.type === ERASURE_EVENT_TYPES.personErased ? (e.data as PersonErased).contacts : []));
  const contacts = [...new Set([...earlier, ...(await knownContacts(deps.reads, keys, kind, id))])].sort();
  const erasedAt = deps.clock.now().toISOString();
  const data: PersonErased = { kind, id, reason, actor, contacts, erasedAt };
  const appended = await deps.store.append(stream, [{ id: randomUUID(), type: ERASURE_EVENT_TYPES.personErased, data, metadata: { actor } }], 'any');
  if (!appended.ok) throw appended.error;

  let keysDestroyed = await personKeys.destroyPerson({ kind, id }, reason);
  for (const contact of contacts) keysDestroyed += await personKeys.destroyPerson({ kind: 'contact', id: contact }, reason);
  const suppressed = await suppressPending(deps, kind, id, actor);
  return ok({ kind, id, erasedAt, position: formatPosition(appended.position), keysDestroyed, contacts: contacts.length, suppressed });
}

/**
 * What was waiting to go to the person, suppressed as `erased`, each at the revision read: one a
 * worker took meanwhile meets the dispatcher's own check (an `[erased]` address is never sent).
 * Reminders not yet due are cancelled by the reminder reaction, in reaction to the event.
 */
async function suppressPending(deps: ErasureDeps, kind: ErasableKind, id: string, actor: string): Promise<number> {
  const waiting = await deps.reads.waitingNotifications(kind, id);
  let suppressed = 0;
  for (const notificationId of waiting) {
    const stream = streamName.notification(notificationId);
    const history = await readStreamToArray(deps.store, stream);
    const state = history.reduce(evolveNotification, initialNotificationState);
    if (!state.planned || (state.phase !== 'planned' && state.phase !== 'retry-wait')) continue;
    const revision = BigInt(history.length - 1);
    const context = { notificationId, correlationId: state.planned.eventId, actor };
    const appended = await deps.store.append(stream, [deliveryEvent(context, revision + 1n, NOTIFICATION_EVENT_TYPES.suppressed, erasedSuppression(state.planned, deps.clock.now()))], revision);
    if (appended.ok) suppressed++;
  }
  return suppressed;
}

/**
 * The keyed hashes of the addresses the read models know for the person: every address a message
 * went to, the numbers they wrote from, and a staff member's directory contacts.
 */
async function knownContacts(reads: ErasureReads, keys: ErasureSealing['keys'], kind: ErasableKind, id: string): Promise<string[]> {
  const known = await reads.knownAddresses(kind, id);
  const hashes = new Set<string>(known.conversations);
  for (const { channel, address } of known.addresses) {
    // An in-app alert's address is the staff member's id: no contact of theirs.
    if (channel !== 'in_app' && address !== ERASED) hashes.add(contactHash(keys, contactKindOf(channel), address));
  }
  return [...hashes].sort();
}
