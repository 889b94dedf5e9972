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
] as const;
export type StreamCategory = (typeof STREAM_CATEGORIES)[number];

export const MAX_STREAM_NAME_LENGTH = 512;

const make = (category: StreamCategory) => (id: string): StreamName => {
  const name = `${category}-${id}`;
  const problem = streamNameProblem(name);
  if (problem) throw new Error(`Cannot build a stream name for ${category}: ${problem}`);
  return name as StreamName;
};

export const streamName = {
  inbound: make('inbound'),
  notification: make('notification'),
  routingRule: make('routing-rule'),
  staffMember: make('staff-member'),
  staffRouting: make('staff-routing'),
  preference: make('preference'),
  appointment: make('appointment'),
  reminder: make('reminder'),
  walkinQueue: make('walkin-queue'),
  channel: make('channel'),
  centreSettings: make('centre-settings'),
  device: make('device'),
  /** One stream per dead-lettered message, named by `deadLetterId`: never by anything it carried. */
  deadLetter: make('dead-letter'),
  /** A provider's callback as received, by an id derived from the provider's own ids (never an address). */
  providerCallback: make('provider-callback'),
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
