import type { Channel } from './event-catalogue.ts';
import { contactHash, contactKindOf, type LedgerKeys } from './keys/ledger-keys.ts';

/**
 * Stream names are `category-id`, built only here. A category is lower-case words joined by
 * hyphens (`routing-rule`); the id is whatever follows the category's own prefix.
 */
export type StreamName = string & { readonly __brand: 'StreamName' };

export const STREAM_CATEGORIES = [
  'inbound',
  'notification',
  'routing-rule',
  'staff-member',
  'staff-routing',
  'preference',
  'appointment',
  'reminder',
  'walkin-queue',
  'channel',
  'centre-settings',
  'device',
  'dead-letter',
  'provider-callback',
  'template',
  'whatsapp-templates',
  'deadline-rules',
  'channel-policy',
  'quiet-hours',
  'webhook-endpoint',
  'webhook-delivery',
  'conversation',
  'erasure',
  'retention',
] as const;
export type StreamCategory = (typeof STREAM_CATEGORIES)[number];

export const MAX_STREAM_NAME_LENGTH = 512;

const make = (category: StreamCategory) => (id: string): StreamName => {
  const name = `${category}-${id}`;
  const problem = streamNameProblem(name);
  if (problem) throw new Error(`Cannot build a stream name for ${category}: ${problem}`);
  return name as StreamName;
};

/** The name, or null where no stream can have it: for ids a client sent, which the ledger never threw on. */
const makeOrNull = (category: StreamCategory) => (id: string): StreamName | null => {
  const name = `${category}-${id}`;
  return streamNameProblem(name) ? null : (name as StreamName);
};

const preference = make('preference');
const erasure = make('erasure');
const walkinQueue = make('walkin-queue');
const whatsappTemplates = make('whatsapp-templates');
const retention = make('retention');

/**
 * One builder per kind of stream. A composite id is joined here, never at a call site, so every
 * writer and reader of a stream agrees on its name; the tests pin each name, as existing ledgers hold them.
 */
export const streamName = {
  inbound: make('inbound'),
  notification: make('notification'),
  routingRule: make('routing-rule'),
  staffMember: make('staff-member'),
  staffRouting: make('staff-routing'),
  /**
   * A channel address's opt-outs and opt-ins, as providers and sends learn of them:
   * `preference-contact:<channel>:<keyed hash of the address>`, the contact hash of the channel's
   * kind, so the name says nothing without the master key. It takes the keys, not a hash, so no
   * caller can name the stream after the address. `contact:` sets these apart from the streams
   * named after the address before (`preference-<channel>:<address>`, renamed by the ledger's keyed
   * migration): an address may itself look like a hash (an APNs token is 64 hex digits).
   */
  contactPreference: (keys: Pick<LedgerKeys, 'contactHash'>, channel: Channel, address: string): StreamName =>
    preference(`contact:${channel}:${contactHash(keys, contactKindOf(channel), address)}`),
  /** A patient's choices as an admin records them: `preference-person:<personId>`. */
  personPreference: (personId: string): StreamName => preference(`person:${personId}`),
  appointment: make('appointment'),
  reminder: make('reminder'),
  /** A walk-in queue's settings. Each part is URI-encoded, so a `:` inside an id cannot make two queues one stream. */
  walkinQueue: (centreId: string, queueId: string): StreamName => walkinQueue(`${encodeURIComponent(centreId)}:${encodeURIComponent(queueId)}`),
  channel: make('channel'),
  centreSettings: make('centre-settings'),
  device: make('device'),
  /** One stream per dead-lettered message, named by `deadLetterId`: never by anything it carried. */
  deadLetter: make('dead-letter'),
  /** A provider's callback as received, by an id derived from the provider's own ids (never an address). */
  providerCallback: make('provider-callback'),
  /** A template's versions, by its key (`template-appointment.confirmed:whatsapp:hi@centre-blr`). */
  template: make('template'),
  /** What the WhatsApp provider said of the account's templates: one stream for the account. */
  whatsappTemplates: (): StreamName => whatsappTemplates('account'),
  /** An event type's relevance deadline rules, every centre's and each centre's own. */
  deadlineRules: make('deadline-rules'),
  /** A patient event type's channel policy, every centre's and each centre's own. */
  channelPolicy: make('channel-policy'),
  /** A centre's quiet hours, as admins set and clear them: `quiet-hours-<centreId>`. */
  quietHours: make('quiet-hours'),
  /** A clinic system's webhook endpoint, by its id. */
  webhookEndpoint: make('webhook-endpoint'),
  /** One webhook message to one endpoint (its attempts), by the message's `webhook-id`. */
  webhookDelivery: make('webhook-delivery'),
  /** What a patient's number wrote to us, by the keyed hash of the number: never the number itself. */
  conversation: make('conversation'),
  /** A person's erasures, `erasure-<kind>:<id>` (`erasure-patient:pat-1`): ids only, never what was erased. */
  erasure: (kind: string, id: string): StreamName => erasure(`${kind}:${id}`),
  /** What retention destroyed of recorded message content, run by run: one stream for the ledger. */
  contentRetention: (): StreamName => retention('content'),
} as const;

/** Builders for ids from outside: null instead of a throw, as such a stream was never written. */
export const streamNameIfValid = {
  inbound: makeOrNull('inbound'),
  webhookEndpoint: makeOrNull('webhook-endpoint'),
} as const;

/** Why a name is not a valid stream name, or null when it is. */
export function streamNameProblem(name: string): string | null {
  if (name.length === 0) return 'stream name is empty';
  if (name.length > MAX_STREAM_NAME_LENGTH) return `stream name is longer than ${MAX_STREAM_NAME_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'stream name contains a control character';
  if (name.startsWith('$')) return 'stream names starting with $ are reserved';
  if (!/^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*-.+$/s.test(name)) return 'stream name must be "category-id", e.g. "inbound-his:123"';
  return null;
}

/** Each category with its `category-` prefix, longest first, so `staff-member-…` is never `staff`. */
const PREFIXES = STREAM_CATEGORIES.map((category) => ({ category, prefix: `${category}-` })).sort((a, b) => b.prefix.length - a.prefix.length);

/** Every projection asks this of every event it is shown: it allocates nothing. */
export function categoryOf(name: string): StreamCategory | null {
  for (const { category, prefix } of PREFIXES) if (name.startsWith(prefix)) return category;
  return null;
}

export function idOf(name: string): string | null {
  const category = categoryOf(name);
  return category ? name.slice(category.length + 1) : null;
}
