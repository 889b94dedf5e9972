import { z } from 'zod';
import { AmqpPublisher } from '../intake/amqp-publisher.ts';

export interface FieldIssue {
  path: string;
  message: string;
}

/** What became of one sent event, as far as the door it went through can tell at once. */
export type SendOutcome =
  | { kind: 'accepted' }
  | { kind: 'duplicate' }
  | { kind: 'rejected'; issues: FieldIssue[] }
  /** AMQP: the broker confirmed it; the service's verdict is read back later. */
  | { kind: 'published' }
  | { kind: 'failed'; message: string };

export interface EventSink {
  readonly description: string;
  send(envelope: { eventId: string; type: string } & Record<string, unknown>): Promise<SendOutcome>;
  close(): Promise<void>;
}

const Accepted = z.object({ outcome: z.enum(['accepted', 'duplicate']) });
const Rejected = z.object({ error: z.object({ kind: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })) }) });

/** POST /events with an ingest (or admin) token: the service answers each event at once. */
export class HttpEventSink implements EventSink {
  readonly description: string;
  readonly #url: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.#url = new URL('/events', baseUrl).toString();
    this.description = `POST ${this.#url}`;
  }

  async send(envelope: Record<string, unknown>): Promise<SendOutcome> {
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify(envelope),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      return { kind: 'failed', message: `cannot reach the service: ${error instanceof Error ? error.message : String(error)}` };
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 202) {
      const parsed = Accepted.safeParse(body);
      return parsed.success ? { kind: parsed.data.outcome } : { kind: 'failed', message: 'unexpected answer to POST /events' };
    }
    const rejected = Rejected.safeParse(body);
    if ((response.status === 400 || response.status === 413) && rejected.success) {
      return { kind: 'rejected', issues: rejected.data.error.issues.length ? rejected.data.error.issues : [{ path: '', message: rejected.data.error.kind }] };
    }
    if (response.status === 401 || response.status === 403) return { kind: 'failed', message: `the token was refused (HTTP ${response.status}); use an ingest or admin token` };
    return { kind: 'failed', message: `HTTP ${response.status}` };
  }

  async close(): Promise<void> {}
}

/** Publishes to the intake exchange the way upstream systems do (routing key = type, confirms). */
export class AmqpEventSink implements EventSink {
  private constructor(
    private readonly publisher: AmqpPublisher,
    readonly description: string,
  ) {}

  static async open(url: string, exchange: string): Promise<AmqpEventSink> {
    const publisher = await AmqpPublisher.open({ url, exchange, connectionName: 'clinic-notification-ledger:demo' });
    return new AmqpEventSink(publisher, `AMQP exchange ${exchange} at ${new URL(url).host}`);
  }

  async send(envelope: { eventId: string; type: string } & Record<string, unknown>): Promise<SendOutcome> {
    const report = await this.publisher.publishRaw([{ routingKey: envelope.type, body: JSON.stringify(envelope), properties: { messageId: envelope.eventId } }]);
    if (report.nacked > 0) return { kind: 'failed', message: 'the broker refused the message' };
    if (report.unroutable > 0) return { kind: 'failed', message: 'no queue is bound to the exchange: is the service running with AMQP_URL set?' };
    return { kind: 'published' };
  }

  async close(): Promise<void> {
    await this.publisher.close();
  }
}
