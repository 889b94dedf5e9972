import { z } from 'zod';

const REQUEST_TIMEOUT_MS = 15_000;

const StatRow = z.object({ channel: z.string(), status: z.string(), count: z.number() });
export type StatRow = z.infer<typeof StatRow>;

/** The GraphQL reads the demo's summary needs, with a reader token (dashboard, auditor or admin). */
export class DemoReads {
  readonly #endpoint: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.#endpoint = new URL('/graphql', baseUrl).toString();
  }

  async deliveryStats(from: Date): Promise<StatRow[]> {
    const data = await this.#query('query($from: DateTime) { deliveryStats(from: $from) { channel status count } }', { from: from.toISOString() });
    return z.object({ deliveryStats: z.array(StatRow) }).parse(data).deliveryStats;
  }

  /** Booking references of the reminder notifications created since `from`. */
  async remindersSince(from: Date): Promise<{ bookingReference: string | null; channel: string; status: string }[]> {
    const data = await this.#query(
      'query($filter: NotificationFilter) { notifications(filter: $filter, first: 200) { edges { node { bookingReference channel status } } } }',
      { filter: { eventType: 'appointment.reminder', from: from.toISOString() } },
    );
    const Node = z.object({ bookingReference: z.string().nullable(), channel: z.string(), status: z.string() });
    return z.object({ notifications: z.object({ edges: z.array(z.object({ node: Node })) }) }).parse(data).notifications.edges.map((e) => e.node);
  }

  /** The fallbacks created since `from`: which channel they went to, and how they ended. */
  async fallbacksSince(from: Date): Promise<{ channel: string; status: string }[]> {
    const data = await this.#query(
      'query($filter: NotificationFilter) { notifications(filter: $filter, first: 200) { edges { node { channel status } } } }',
      { filter: { fallback: true, from: from.toISOString() } },
    );
    const Node = z.object({ channel: z.string(), status: z.string() });
    return z.object({ notifications: z.object({ edges: z.array(z.object({ node: Node })) }) }).parse(data).notifications.edges.map((e) => e.node);
  }

  /** How often an event was received as a duplicate, or null when the ledger does not have it. */
  async duplicatesOf(eventId: string): Promise<number | null> {
    const data = await this.#query('query($eventId: String!) { inboundEvent(eventId: $eventId) { duplicatesIgnored } }', { eventId });
    return z.object({ inboundEvent: z.object({ duplicatesIgnored: z.number() }).nullable() }).parse(data).inboundEvent?.duplicatesIgnored ?? null;
  }

  async #query(query: string, variables: Record<string, unknown>): Promise<unknown> {
    const response = await fetch(this.#endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = z.object({ data: z.unknown().optional(), errors: z.array(z.object({ message: z.string() })).optional() }).safeParse(await response.json().catch(() => null));
    if (!body.success) throw new Error(`GraphQL answered HTTP ${response.status}`);
    if (body.data.errors?.length) throw new Error(body.data.errors.map((e) => e.message).join('; '));
    return body.data.data;
  }
}
