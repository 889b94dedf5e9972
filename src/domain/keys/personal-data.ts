import { CONVERSATION_EVENT_TYPES } from '../conversations/conversation-events.ts';
import { INBOUND_RECEIVED } from '../intake/inbound-receipt.ts';
import { NOTIFICATION_EVENT_TYPES as N } from '../notifications/notification-events.ts';
import { PREFERENCE_EVENT_TYPES } from '../notifications/preference-events.ts';
import { PROVIDER_CALLBACK_EVENT_TYPES } from '../notifications/provider-callback-events.ts';
import { STAFF_MEMBER_EVENT_TYPES } from '../staff-routing/staff-directory.ts';
import { CHANNELS, type Channel } from '../event-catalogue.ts';
import { contactKindOf, type ContactKind } from './ledger-keys.ts';

/*
 * The one place that says which parts of which events are someone's personal data, and whose.
 * What it names is sealed at the append (AES-256-GCM under that person's key) and opened on read;
 * erasing the person destroys the key, and their parts then read as `[erased]`.
 *
 * A person is a patient or a staff member by id, or, where only an address is known (a reply from
 * a number, an opt-out by address), the contact itself by its keyed hash. Ids stay in clear: they
 * are upstream's identifiers, and every count, status and stream is keyed by them. Doctors' names
 * stay in clear too: they are the clinic's professional record.
 */

export type PersonKind = 'patient' | 'staff' | 'contact';

export interface PersonRef {
  kind: PersonKind;
  id: string;
}

/** `data` for who someone is; `content:<YYYY-MM>` for the words sent to them that month (retention destroys old months). */
export type KeyScope = 'data' | `content:${string}`;

/** A value in an event that is one person's, sealed whole; `keep` names the fields of an object left in clear. */
export interface PersonalPart {
  path: readonly (string | number)[];
  person: PersonRef;
  scope: KeyScope;
  keep?: readonly string[];
}

/** What finding the parts needs: the keyed hash that names a contact. */
export interface PartsContext {
  contactId(kind: ContactKind, value: string): string;
}

type Json = Record<string, unknown>;
type PartsOf = (data: Json, context: PartsContext) => PersonalPart[];

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** A patient object of an upstream payload, whole but for its id. */
function patientAt(path: readonly (string | number)[], value: unknown): PersonalPart[] {
  const id = isObject(value) ? text(value.id) : null;
  return id === null ? [] : [{ path, person: { kind: 'patient', id }, scope: 'data', keep: ['id'] }];
}

/** The month a message's words belong to, for their content key. */
export const contentScope = (at: string): KeyScope => `content:${at.slice(0, 7)}`;

/** The contact behind an address: a phone, or else an email. */
function contactOf(address: string, context: PartsContext): PersonRef {
  return { kind: 'contact', id: context.contactId(address.startsWith('+') ? 'phone' : 'email', address) };
}

function inboundParts(receipt: Json): PersonalPart[] {
  const data = receipt.data;
  if (!isObject(data)) return [];
  const parts: PersonalPart[] = [...patientAt(['data', 'patient'], data.patient)];
  for (const [list, key] of [['affected', 'patient'], ['tokens', 'patient']] as const) {
    const items = data[list];
    if (Array.isArray(items)) items.forEach((item, i) => parts.push(...(isObject(item) ? patientAt(['data', list, i, key], item[key]) : [])));
  }
  // patient.replied: the patients known for the number, and the words they wrote (the number's).
  if (Array.isArray(data.patients)) data.patients.forEach((p, i) => parts.push(...patientAt(['data', 'patients', i], p)));
  const reply = data.reply;
  if (isObject(reply) && text(reply.conversationId) && reply.text !== undefined) {
    parts.push({ path: ['data', 'reply', 'text'], person: { kind: 'contact', id: reply.conversationId as string }, scope: 'data' });
  }
  return parts;
}

// Paths and kept fields shared by every notification's parts (never changed by those who read them).
const RECIPIENT_PATH = Object.freeze(['recipient']);
const RECIPIENT_KEEP = Object.freeze(['kind', 'id', 'locale']);
const VARIABLES_PATH = Object.freeze(['variables']);
const CONTENT_PATH = Object.freeze(['content']);
const CONTENT_KEEP = Object.freeze(['channel']);

/** A notification's recipient and the words it carries: whose they are is the recipient's. */
function notificationParts(data: Json, at: unknown): PersonalPart[] {
  const recipient = data.recipient;
  if (!isObject(recipient) || !text(recipient.id) || (recipient.kind !== 'patient' && recipient.kind !== 'staff')) return [];
  const person: PersonRef = { kind: recipient.kind, id: recipient.id as string };
  const parts: PersonalPart[] = [{ path: RECIPIENT_PATH, person, scope: 'data', keep: RECIPIENT_KEEP }];
  const variables = isObject(data.variables);
  const content = isObject(data.content);
  if (!variables && !content) return parts;
  const month = contentScope(typeof at === 'string' ? at : '0000-00');
  // A staff alert about a patient carries the patient's words: sealed under theirs.
  const about = isObject(data.about) && text(data.about.id) && (data.about.kind === 'patient' || data.about.kind === 'contact')
    ? { kind: data.about.kind, id: data.about.id as string } satisfies PersonRef
    : person;
  if (variables) parts.push({ path: VARIABLES_PATH, person: about, scope: month });
  if (content) parts.push({ path: CONTENT_PATH, person: about, scope: month, keep: CONTENT_KEEP });
  return parts;
}

function callbackParts(data: Json, context: PartsContext): PersonalPart[] {
  const parts: PersonalPart[] = [];
  if (Array.isArray(data.replies)) {
    data.replies.forEach((reply, i) => {
      const from = isObject(reply) ? text(reply.from) : null;
      if (from) parts.push({ path: ['replies', i], person: contactOf(from, context), scope: 'data', keep: ['provider', 'channel', 'intent', 'keyword', 'messageType', 'messageId', 'receivedAt'] });
    });
  }
  if (Array.isArray(data.suppressions)) {
    data.suppressions.forEach((suppression, i) => {
      const address = isObject(suppression) ? text(suppression.address) : null;
      if (address) parts.push({ path: ['suppressions', i, 'address'], person: contactOf(address, context), scope: 'data' });
    });
  }
  return parts;
}

function messageParts(data: Json): PersonalPart[] {
  const id = text(data.conversationId);
  if (!id) return [];
  const person: PersonRef = { kind: 'contact', id };
  return (['from', 'text', 'media', 'location'] as const).filter((f) => data[f] !== null && data[f] !== undefined).map((f) => ({ path: [f], person, scope: 'data' }));
}

const isChannel = (value: unknown): value is Channel => (CHANNELS as readonly unknown[]).includes(value);

/** An opt-out's address, under its contact as the channel names it: a dead push token is a `push-token`, as erasure finds it. */
function preferenceParts(data: Json, context: PartsContext): PersonalPart[] {
  const address = text(data.address);
  if (!address) return [];
  const person: PersonRef = isChannel(data.channel) ? { kind: 'contact', id: context.contactId(contactKindOf(data.channel), address) } : contactOf(address, context);
  return [{ path: ['address'], person, scope: 'data' }];
}

/**
 * A staff member's name, sealed whole, and their contacts, sealed as an object with nothing kept:
 * erased, the contacts keep their shape (each address `[erased]`, the push tokens an empty list),
 * so whatever reads them still finds an object.
 */
function staffParts(data: Json): PersonalPart[] {
  const id = text(data.id);
  if (!id) return [];
  const person: PersonRef = { kind: 'staff', id };
  const parts: PersonalPart[] = [];
  if (data.name !== undefined) parts.push({ path: ['name'], person, scope: 'data' });
  if (data.contacts !== undefined) parts.push({ path: ['contacts'], person, scope: 'data', keep: [] });
  return parts;
}

/**
 * A staff member's record (an upsert's data, or the member folded from it) as it reads once their
 * keys are gone: what a rebuild gives, for the read models that keep the record to scrub to.
 */
export const erasedStaffRecord = (record: Json): Json => erasedParts(record, staffParts(record));

/** Event type -> its personal parts. An event type absent here carries none. */
export const PERSONAL_DATA: Readonly<Record<string, PartsOf>> = {
  [INBOUND_RECEIVED]: (data) => inboundParts(data),
  [N.planned]: (data) => notificationParts(data, data.plannedAt),
  [N.suppressed]: (data) => notificationParts(data, data.suppressedAt),
  [PROVIDER_CALLBACK_EVENT_TYPES.received]: callbackParts,
  [CONVERSATION_EVENT_TYPES.messageReceived]: (data) => messageParts(data),
  [PREFERENCE_EVENT_TYPES.optedOut]: preferenceParts,
  [PREFERENCE_EVENT_TYPES.optedIn]: preferenceParts,
  [STAFF_MEMBER_EVENT_TYPES.upserted]: (data) => staffParts(data),
};

/** The personal parts of an event, in the order they are sealed. */
export function personalParts(type: string, data: unknown, context: PartsContext): PersonalPart[] {
  const of = PERSONAL_DATA[type];
  return of && isObject(data) ? of(data, context) : [];
}

// ---- Sealing and opening, given a cipher -------------------------------------------------------

/** Where a sealed object keeps its ciphertext, beside the fields left in clear. */
export const SEALED_FIELD = '$sealed';
/** The sealed object's field names and kinds, so an erased one keeps its shape: `{name: 's', phones: 'a'}`. */
export const SHAPE_FIELD = '$shape';
export const ERASED = '[erased]';

type Shape = Record<string, 's' | 'a' | 'o' | 'n' | 'b'>;

const kindOf = (value: unknown): Shape[string] =>
  value === null || value === undefined ? 'n' : typeof value === 'string' ? 's' : Array.isArray(value) ? 'a' : typeof value === 'number' ? 'n' : typeof value === 'boolean' ? 'b' : 'o';

/**
 * A copy of `data` with each part sealed by `seal` (which knows the part's person and scope): a
 * value becomes its sealed string; an object with fields kept becomes those fields, the sealed rest
 * and its shape. Parts whose path is missing are skipped.
 */
export function sealParts(data: Json, parts: readonly PersonalPart[], seal: (part: PersonalPart, value: unknown) => string): Json {
  // Copied only along the paths it changes: the caller's data is never touched, and the rest is
  // shared. Plain loops: this runs for every event appended, and sealing's budget is tight.
  const copy: Json = { ...data };
  const copied: unknown[] = [copy];
  for (const part of parts) {
    const path = part.path;
    const last = path[path.length - 1]!;
    let parent: Record<string | number, unknown> | undefined = copy;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const child: unknown = parent[key];
      if (typeof child !== 'object' || child === null) {
        parent = undefined;
        break;
      }
      if (!copied.includes(child)) {
        const clone = Array.isArray(child) ? [...(child as unknown[])] : { ...(child as Json) };
        copied.push(clone);
        parent[key] = clone;
      }
      parent = parent[key] as Record<string | number, unknown>;
    }
    if (!parent || !(last in parent)) continue;
    const value = parent[last];
    if (part.keep && isObject(value)) {
      const kept: Json = {};
      const rest: Json = {};
      const shape: Shape = {};
      for (const key of part.keep) if (key in value) kept[key] = value[key];
      for (const key in value) {
        if (!Object.hasOwn(value, key) || part.keep.includes(key)) continue;
        put(rest, key, value[key]);
        put(shape, key, kindOf(value[key]));
      }
      kept[SEALED_FIELD] = seal(part, rest);
      kept[SHAPE_FIELD] = shape;
      parent[last] = kept;
    } else {
      parent[last] = seal(part, value);
    }
  }
  return copy;
}

/** `target[key] = value` as an own field, `__proto__` included (as a payload parsed from JSON may hold). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Those of `parts` present in `data` and not sealed yet: neither a sealed value nor an object
 * holding one under `SEALED_FIELD`. Sealing only these over a ledger written partly before sealing
 * leaves what is sealed as it is, however often it runs.
 */
export function unsealedParts(data: unknown, parts: readonly PersonalPart[], isSealed: (value: unknown) => boolean): PersonalPart[] {
  return parts.filter((part) => {
    let value: unknown = data;
    for (const key of part.path) {
      if (typeof value !== 'object' || value === null || !(key in value)) return false;
      value = (value as Record<string | number, unknown>)[key];
    }
    return !isSealed(value) && !(isObject(value) && isSealed(value[SEALED_FIELD]));
  });
}

/** What opening a sealed value gives: the value, or the fact that its key is gone. */
export type Opened = { ok: true; value: unknown } | { ok: false; erased: true };

/**
 * A copy of `data` with every sealed value opened by `open`, wherever it sits, or shown as
 * `[erased]` (keeping an object's shape: its strings `[erased]`, its lists empty) when its key was destroyed.
 */
export function openParts(data: unknown, isSealed: (value: string) => boolean, open: (sealed: string) => Opened): unknown {
  if (typeof data === 'string') {
    if (!isSealed(data)) return data;
    const opened = open(data);
    return opened.ok ? opened.value : ERASED;
  }
  if (Array.isArray(data)) {
    const items = data.map((item: unknown) => openParts(item, isSealed, open));
    return items.some((item, i) => item !== data[i]) ? items : data;
  }
  if (!isObject(data)) return data;
  const sealed = data[SEALED_FIELD];
  if (typeof sealed === 'string' && isSealed(sealed)) {
    const { [SEALED_FIELD]: _sealed, [SHAPE_FIELD]: shape, ...kept } = data;
    const opened = open(sealed);
    if (opened.ok && isObject(opened.value)) return { ...kept, ...opened.value };
    return { ...kept, ...erasedShape(isObject(shape) ? shape : {}) };
  }
  // Copied only from the first field that changes: most of an event holds nothing sealed.
  let out: Json | null = null;
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    const value = data[key];
    const next = openParts(value, isSealed, open);
    if (out === null) {
      if (next === value) continue;
      out = {};
      for (const before in data) {
        if (before === key) break;
        if (Object.hasOwn(data, before)) put(out, before, data[before]);
      }
    }
    put(out, key, next);
  }
  return out ?? data;
}

/**
 * Where a sealed value sits in an event's data: a value sealed whole (`object: false`), or the
 * `$sealed` of an object that keeps some fields in clear (`object: true`, `path` names the object).
 */
export interface SealedSpot {
  readonly path: readonly (string | number)[];
  readonly sealed: string;
  readonly object: boolean;
}

/**
 * Every sealed value in `data`, where `openParts` would find it, in one walk: a reader finds the
 * keys it needs, then opens only these spots (`openSpots`) instead of walking the event again.
 */
export function findSealed(data: unknown, isSealed: (value: string) => boolean, path: (string | number)[] = [], into: SealedSpot[] = []): SealedSpot[] {
  if (typeof data === 'string') {
    if (isSealed(data)) into.push({ path: [...path], sealed: data, object: false });
    return into;
  }
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      path.push(i);
      findSealed(data[i], isSealed, path, into);
      path.pop();
    }
    return into;
  }
  if (!isObject(data)) return into;
  const sealed = data[SEALED_FIELD];
  if (typeof sealed === 'string' && isSealed(sealed)) {
    into.push({ path: [...path], sealed, object: true });
    return into;
  }
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    path.push(key);
    findSealed(data[key], isSealed, path, into);
    path.pop();
  }
  return into;
}

/** `data` with each of `spots` (from `findSealed` over it) opened by `open`, as `openParts` gives it; copied only along their paths. */
export function openSpots(data: unknown, spots: readonly SealedSpot[], open: (sealed: string) => Opened): unknown {
  let root = data;
  // The objects copied so far: a few per event, so a list is cheaper than a set.
  const copied: unknown[] = [];
  for (const spot of spots) {
    if (spot.path.length === 0) {
      root = openSpot(root, spot, open);
      continue;
    }
    if (!copied.includes(root)) {
      root = Array.isArray(root) ? [...(root as unknown[])] : copyObject(root as Json);
      copied.push(root);
    }
    let parent = root as Record<string | number, unknown>;
    for (let i = 0; i < spot.path.length - 1; i++) {
      const key = spot.path[i]!;
      const child = parent[key];
      if (!copied.includes(child)) {
        const clone = Array.isArray(child) ? [...(child as unknown[])] : copyObject(child as Json);
        copied.push(clone);
        setAt(parent, key, clone);
      }
      parent = parent[key] as Record<string | number, unknown>;
    }
    const last = spot.path[spot.path.length - 1]!;
    setAt(parent, last, openSpot(parent[last], spot, open));
  }
  return root;
}

function openSpot(value: unknown, spot: SealedSpot, open: (sealed: string) => Opened): unknown {
  const opened = open(spot.sealed);
  if (!spot.object) return opened.ok ? opened.value : ERASED;
  // The fields kept in clear, then the opened ones (or the erased shape): one object, built by hand.
  const holder = value as Json;
  const out: Json = {};
  for (const key in holder) if (Object.hasOwn(holder, key) && key !== SEALED_FIELD && key !== SHAPE_FIELD) put(out, key, holder[key]);
  const shape = holder[SHAPE_FIELD];
  const rest = opened.ok && isObject(opened.value) ? opened.value : erasedShape(isObject(shape) ? shape : {});
  for (const key in rest) if (Object.hasOwn(rest, key)) put(out, key, rest[key]);
  return out;
}

/** A shallow copy keeping every own field (a spread defines each one, `__proto__` included). */
const copyObject = (value: Json): Json => ({ ...value });

/** `parent[key] = value` for an array's index or, through `put`, an object's field. */
function setAt(parent: Record<string | number, unknown>, key: string | number, value: unknown): void {
  if (typeof key === 'number') parent[key] = value;
  else put(parent as Json, key, value);
}

/**
 * What an object reads as once the key that sealed it is gone, keeping `keep` (its ids): every
 * other string `[erased]`, lists empty, objects empty, the rest null. Read models scrubbed on an
 * erasure take this shape, so they hold exactly what a rebuild from the ledger gives.
 */
export function erasedLike(value: Json, keep: readonly string[]): Json {
  const kept = Object.fromEntries(keep.filter((k) => k in value).map((k) => [k, value[k]]));
  const rest = Object.fromEntries(Object.entries(value).filter(([k]) => !keep.includes(k)).map(([k, v]) => [k, kindOf(v)]));
  return { ...kept, ...erasedShape(rest) };
}

/**
 * `data` as it reads once the keys of `parts` are gone. Sealed with nothing and opened with no key,
 * it takes exactly the shape a read of the sealed event gives.
 */
export function erasedParts(data: Json, parts: readonly PersonalPart[]): Json {
  const sealed = sealParts(data, parts, () => ERASED);
  return openParts(sealed, (value) => value === ERASED, () => ({ ok: false, erased: true })) as Json;
}

/** What the fields of a sealed object's shape read as once its key is gone. */
export function erasedShape(shape: Record<string, unknown>): Json {
  return Object.fromEntries(Object.entries(shape).map(([k, kind]) => [k, kind === 's' ? ERASED : kind === 'a' ? [] : kind === 'o' ? {} : null]));
}
