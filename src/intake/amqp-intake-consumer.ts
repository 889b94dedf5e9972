import type { ConsumeMessage } from 'amqplib';
import { Registry } from 'prom-client';
import type { Envelope } from '../domain/intake/envelope.ts';
import { maskContactsInText } from '../domain/mask-contacts-deep.ts';
import { LedgerInputError, WrongExpectedRevision } from '../ledger/event-store.ts';
import { classifyFailure, retryingInPlace } from '../ledger/infrastructure-failure.ts';
import { silentLogger, type Logger } from '../telemetry/logger.ts';
import { consumerBackoffMs, pause, type BackoffOptions } from './backoff.ts';
import { BrokerSession, UnpublishableMessage } from './broker-session.ts';
import { classifyDelivery, rejectionReason } from './classify-delivery.ts';
import { deadLetterOptions, unprocessableReason } from './dead-letter.ts';
import type { RecordDeadLetter } from '../commands/inbound/record-dead-letter.ts';
import { deferred, TimedOut, withTimeout, type Deferred } from './deadline.ts';
import { deliveryIds, errorSummary } from './intake-log-fields.ts';
import { createIntakeMetrics, type DeadLetterKind, type IntakeMetrics } from './intake-metrics.ts';
import { resolveTopology, type IntakeTopology } from './topology.ts';

/** What recording an inbound event answered; `recordInbound`'s outcome fits. */
export type RecordOutcome = { outcome: 'accepted' } | { outcome: 'duplicate'; payloadMatches: boolean };

/**
 * Records the event durably (with the inbound dedup) and resolves only then. Throwing
 * `LedgerInputError` means the ledger refuses this event for good; an infrastructure failure
 * (`classifyFailure`) that the ledger is unavailable, and the message is retried later; anything
 * else that this message cannot be handled, and it is dead-lettered.
 */
export type RecordInbound = (envelope: Envelope, via: 'amqp') => Promise<RecordOutcome>;

export interface AmqpIntakeConsumerOptions {
  url: string;
  record: RecordInbound;
  topology?: Partial<IntakeTopology>;
  /** Unacked messages the broker may hand this consumer at once; also how many are recorded concurrently. */
  prefetch?: number;
  connectionName?: string;
  logger?: Logger;
  /** Where the intake's metrics go; a private registry when absent. */
  registry?: Registry;
  /** Asked, after a pause, whether the ledger is back, before messages are taken again. */
  probeLedger?: () => Promise<unknown>;
  /**
   * A record or probe taking longer counts as the ledger being unavailable, a dead letter not
   * confirmed in time as a broken session; keep it far below the broker's consumer timeout (30 min).
   */
  recordTimeoutMs?: number;
  reconnectBackoff?: Partial<BackoffOptions>;
  ledgerBackoff?: Partial<BackoffOptions>;
  /**
   * Writes a record of each dead-lettered message (no personal data) to the ledger. Best effort: a
   * ledger that is down must not keep a refused message from the dead-letter queue.
   */
  recordDeadLetter?: RecordDeadLetter;
}

/** A message whose turn came while the ledger was already known to be down: not tried at all. */
class LedgerPaused extends Error {
  override readonly name = 'LedgerPaused';
}

type Interruption = 'ledger-down' | 'stop';

/**
 * The AMQP intake. Each message is validated, recorded in the ledger, then acked; a message that
 * fails validation is published to the dead-letter exchange with its reason, then acked.
 *
 *   start -> consuming --(record fails)--> paused: consumer cancelled, in-flight settle,
 *              ^   |                        back off, probe the ledger --> consuming
 *              |   +--(connection or channel lost)--> reconnecting: back off, new session
 *              +------------------------------------------+
 *   stop(): cancel the consumer, let in-flight messages finish and ack, close.
 *
 * Messages of a lost session are never acked on a new one (delivery tags are per channel): the
 * broker redelivers them and the ledger's dedup answers "duplicate".
 */
export class AmqpIntakeConsumer {
  readonly #url: string;
  readonly #record: RecordInbound;
  readonly #topology: IntakeTopology;
  readonly #prefetch: number;
  readonly #connectionName: string;
  readonly #log: Logger;
  readonly #metrics: IntakeMetrics;
  readonly #probeLedger: (() => Promise<unknown>) | undefined;
  readonly #recordTimeoutMs: number;
  readonly #reconnectBackoff: BackoffOptions;
  readonly #ledgerBackoff: BackoffOptions;
  readonly #recordDeadLetter: RecordDeadLetter | undefined;

  readonly #inFlight = new Set<Promise<void>>();
  /** The last record in flight per eventId: a repeat waits for it instead of racing it for the same stream. */
  readonly #recording = new Map<string, Promise<unknown>>();
  readonly #stopSignal = new AbortController();
  #loop: Promise<void> | null = null;
  #isStopping = false;
  #interrupt: Deferred<Interruption> | null = null;
  #isAccepting = false;
  #isLedgerDown = false;
  #ledgerAttempt = 0;

  constructor(options: AmqpIntakeConsumerOptions) {
    this.#url = options.url;
    this.#record = options.record;
    this.#topology = resolveTopology(options.topology);
    this.#prefetch = options.prefetch ?? 10;
    if (!Number.isInteger(this.#prefetch) || this.#prefetch < 1) throw new RangeError('prefetch must be a positive integer');
    this.#connectionName = options.connectionName ?? 'clinic-notification-ledger:intake';
    this.#log = (options.logger ?? silentLogger()).child({ component: 'amqp-intake', queue: this.#topology.queue });
    this.#metrics = createIntakeMetrics(options.registry ?? new Registry());
    this.#probeLedger = options.probeLedger;
    this.#recordTimeoutMs = options.recordTimeoutMs ?? 60_000;
    this.#reconnectBackoff = { initialMs: 100, maxMs: 30_000, ...options.reconnectBackoff };
    this.#ledgerBackoff = { initialMs: 500, maxMs: 30_000, ...options.ledgerBackoff };
    this.#recordDeadLetter = options.recordDeadLetter;
  }

  get topology(): IntakeTopology {
    return this.#topology;
  }

  /** Messages delivered and not yet acked or given back. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Connects, declares the topology and starts consuming. Rejects if the first connection or
   * declaration fails (a wrong URL, a queue declared with other arguments); once running, every
   * later loss is retried until `stop()`.
   */
  async start(): Promise<void> {
    if (this.#loop || this.#isStopping) throw new Error('An intake consumer starts once; make a new one after stop()');
    const started = deferred<void>();
    this.#loop = this.#run(started);
    try {
      await started.promise;
    } catch (error) {
      this.#loop = null;
      throw error;
    }
  }

  /** Takes no new messages, lets those in flight finish and ack, then closes the connection. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#isStopping = true;
    this.#isAccepting = false;
    this.#stopSignal.abort();
    this.#interrupt?.resolve('stop');
    await this.#loop;
  }

  async #run(started: Deferred<void>): Promise<void> {
    let hasConnected = false;
    let attempt = 0;
    while (!this.#isStopping) {
      let session: BrokerSession;
      try {
        session = await BrokerSession.open({
          url: this.#url,
          connectionName: this.#connectionName,
          topology: this.#topology,
          prefetch: this.#prefetch,
        });
      } catch (error) {
        if (!hasConnected) {
          started.reject(error);
          return;
        }
        const waitMs = consumerBackoffMs(attempt++, this.#reconnectBackoff);
        this.#log.warn({ error: errorSummary(error), waitMs }, 'broker unreachable; retrying');
        await pause(waitMs, this.#stopSignal.signal);
        continue;
      }
      if (hasConnected) {
        this.#metrics.reconnects.inc();
        this.#log.info('reconnected to the broker');
      }
      hasConnected = true;
      attempt = 0;
      try {
        await this.#serve(session, started);
      } finally {
        await session.close();
      }
      if (!this.#isStopping) {
        const waitMs = consumerBackoffMs(attempt++, this.#reconnectBackoff);
        this.#log.warn({ reason: errorSummary(await session.closed), waitMs }, 'broker session lost; reconnecting');
        await pause(waitMs, this.#stopSignal.signal);
      }
    }
    started.resolve();
  }

  /** Consumes on one session until it is lost or the consumer stops, pausing while the ledger is down. */
  async #serve(session: BrokerSession, started: Deferred<void>): Promise<void> {
    while (!this.#isStopping && session.isOpen) {
      if (this.#isLedgerDown) {
        await this.#waitForLedger();
        continue;
      }
      // Messages of an earlier session or cycle settle first, so prefetch bounds the whole consumer.
      await this.#drain();
      if (this.#isStopping || !session.isOpen) break;

      const interrupt = deferred<Interruption>();
      this.#interrupt = interrupt;
      this.#isAccepting = true;
      try {
        await session.consume(this.#topology.queue, (message) => this.#onDelivery(session, message));
      } catch (error) {
        this.#isAccepting = false;
        this.#log.warn({ error: errorSummary(error) }, 'could not start consuming');
        session.fail(error instanceof Error ? error : new Error(String(error)));
        break;
      }
      started.resolve();
      const why = await Promise.race([session.closed.then(() => 'closed' as const), interrupt.promise]);
      this.#isAccepting = false;
      this.#interrupt = null;
      if (why === 'closed') break;
      await session.cancelConsumer();
      await this.#drain();
      if (why === 'ledger-down') this.#metrics.ledgerPauses.inc();
    }
    this.#isAccepting = false;
    if (session.isOpen) await session.cancelConsumer();
    await this.#drain();
  }

  async #waitForLedger(): Promise<void> {
    while (!this.#isStopping) {
      const waitMs = consumerBackoffMs(this.#ledgerAttempt++, this.#ledgerBackoff);
      this.#log.warn({ waitMs }, 'ledger unavailable; consumption paused');
      await pause(waitMs, this.#stopSignal.signal);
      if (this.#isStopping) return;
      if (!this.#probeLedger) break;
      try {
        await withTimeout(this.#probeLedger(), this.#recordTimeoutMs);
        break;
      } catch (error) {
        this.#log.warn({ error: errorSummary(error) }, 'ledger probe failed');
      }
    }
    this.#isLedgerDown = false;
    if (!this.#isStopping) this.#log.info('resuming consumption');
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #onDelivery(session: BrokerSession, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (queue deleted, leader moved): a new session declares and consumes again.
      session.fail(new Error('consumer cancelled by the broker'));
      return;
    }
    if (!this.#isAccepting) {
      session.giveBack(message);
      return;
    }
    this.#metrics.received.inc();
    this.#metrics.inFlight.inc();
    const task = this.#handle(session, message)
      .catch((error: unknown) => {
        this.#log.error({ ...deliveryIds(message), error: errorSummary(error) }, 'unexpected failure handling a message');
        session.giveBack(message);
      })
      .finally(() => {
        this.#inFlight.delete(task);
        this.#metrics.inFlight.dec();
      });
    this.#inFlight.add(task);
  }

  async #handle(session: BrokerSession, message: ConsumeMessage): Promise<void> {
    let parsed: ReturnType<typeof classifyDelivery>;
    try {
      parsed = classifyDelivery(message.content, message.fields.routingKey);
    } catch (error) {
      await this.#deadLetterUnprocessable(session, message, error, deliveryIds(message));
      return;
    }
    if (!parsed.ok) {
      await this.#deadLetter(session, message, parsed.error.kind, rejectionReason(parsed.error));
      return;
    }
    const envelope = parsed.value;
    const ids = { ...deliveryIds(message), eventId: envelope.eventId, type: envelope.type };
    let outcome: RecordOutcome;
    try {
      outcome = await this.#recordInTurn(envelope);
    } catch (error) {
      if (error instanceof LedgerInputError) {
        await this.#deadLetter(session, message, 'ledger-refused', `ledger-refused: ${error.code}`, ids);
        return;
      }
      if (error instanceof WrongExpectedRevision) {
        // Other instances kept winning the race for this stream: contention, not an outage. Next time
        // round the stream is written and the message is a plain duplicate.
        this.#log.info({ ...ids }, 'lost the race to record; the message returns to the queue');
        session.giveBack(message);
        return;
      }
      const failure = classifyFailure(error, { infrastructure: [TimedOut, LedgerPaused] });
      if (failure === 'infrastructure') this.#onLedgerFailure(session, message, error, ids);
      else if (failure === 'retry-in-place') {
        // Still losing to other transactions after the retries in place: contention, not this
        // message's fault; it comes back when the others are done.
        this.#log.info({ ...ids, error: errorSummary(error) }, 'still conflicting after retries; the message returns to the queue');
        session.giveBack(message);
      } else await this.#deadLetterUnprocessable(session, message, error, ids);
      return;
    }
    this.#ledgerAttempt = 0;
    const acked = session.ack(message);
    if (outcome.outcome === 'accepted') {
      this.#metrics.recorded.inc();
      this.#log.debug({ ...ids, acked }, 'event recorded');
    } else {
      this.#metrics.duplicates.inc({ payload_matches: String(outcome.payloadMatches) });
      if (outcome.payloadMatches) this.#log.info({ ...ids, acked }, 'duplicate event ignored');
      else this.#log.warn({ ...ids, acked }, 'event id reused with different content; ignored as a duplicate');
    }
  }

  /**
   * Records the event once every earlier message of the same eventId in this consumer has settled:
   * 50 copies in flight would otherwise race each other for one stream revision, all but one losing.
   */
  async #recordInTurn(envelope: Envelope): Promise<RecordOutcome> {
    const id = envelope.eventId;
    const before = this.#recording.get(id);
    const run = (before ?? Promise.resolve()).then(() => {
      if (this.#isLedgerDown) throw new LedgerPaused('the ledger is unavailable');
      return withTimeout(retryingInPlace(() => this.#record(envelope, 'amqp')), this.#recordTimeoutMs);
    });
    const settled = run.catch(() => undefined);
    this.#recording.set(id, settled);
    try {
      return await run;
    } finally {
      if (this.#recording.get(id) === settled) this.#recording.delete(id);
    }
  }

  #onLedgerFailure(session: BrokerSession, message: ConsumeMessage, error: unknown, ids: Record<string, unknown>): void {
    session.giveBack(message);
    if (this.#isLedgerDown) return;
    this.#isLedgerDown = true;
    this.#isAccepting = false;
    this.#log.warn({ ...ids, error: errorSummary(error) }, 'ledger unavailable; pausing consumption');
    this.#interrupt?.resolve('ledger-down');
  }

  /**
   * A failure that is this message's own (a bug its content triggers, a value the database refuses):
   * dead-lettered at once, so it cannot hold up the queue. The reason names the error class only.
   */
  async #deadLetterUnprocessable(session: BrokerSession, message: ConsumeMessage, error: unknown, ids: Record<string, unknown>): Promise<void> {
    // Its message may quote the body: contacts in it are masked, as everywhere in the logs.
    const summary = errorSummary(error);
    if (summary && typeof summary.message === 'string') summary.message = maskContactsInText(summary.message);
    this.#log.error({ ...ids, error: summary }, 'handling the message failed; dead-lettering it');
    await this.#deadLetter(session, message, 'unprocessable', unprocessableReason(error), ids);
  }

  async #deadLetter(
    session: BrokerSession,
    message: ConsumeMessage,
    kind: DeadLetterKind,
    reason: string,
    ids: Record<string, unknown> = deliveryIds(message),
  ): Promise<void> {
    const publish = (withOriginalHeaders: boolean) =>
      withTimeout(
        session.publishConfirmed(
          this.#topology.deadLetterExchange,
          message.fields.routingKey,
          message.content,
          deadLetterOptions(message, kind, reason, { withOriginalHeaders }),
        ),
        this.#recordTimeoutMs,
      );
    try {
      await publish(true).catch((error: unknown) => {
        if (!(error instanceof UnpublishableMessage)) throw error;
        this.#log.warn({ ...ids, kind, error: errorSummary(error) }, 'dead-lettering without the original headers');
        return publish(false);
      });
    } catch (error) {
      this.#log.error({ ...ids, kind, error: errorSummary(error) }, 'dead-lettering failed; the message returns to the queue');
      // No confirm in time (a blocked publisher): drop the session rather than hold the message.
      if (error instanceof TimedOut) session.fail(error);
      else session.giveBack(message);
      return;
    }
    await this.#recordDeadLettered(message, kind, reason, ids);
    const acked = session.ack(message);
    this.#metrics.deadLettered.inc({ reason: kind });
    this.#log.warn({ ...ids, kind, reason, acked }, 'message dead-lettered');
  }

  /**
   * After the broker confirmed the dead letter and before the ack, so a crash in between records it
   * again, on the same stream. A ledger that is down costs the record, not the dead letter: the
   * message is in the dead-letter queue with its reason either way, and the log says what is missing.
   */
  async #recordDeadLettered(message: ConsumeMessage, kind: DeadLetterKind, reason: string, ids: Record<string, unknown>): Promise<void> {
    if (!this.#recordDeadLetter) return;
    if (this.#isLedgerDown) {
      this.#log.warn({ ...ids, kind }, 'the ledger is unavailable; the dead letter is not recorded there');
      return;
    }
    const messageId: unknown = message.properties.messageId;
    try {
      await withTimeout(
        this.#recordDeadLetter({
          body: message.content,
          routingKey: message.fields.routingKey,
          messageId: typeof messageId === 'string' ? messageId : null,
          kind,
          reason,
          via: 'amqp',
        }),
        this.#recordTimeoutMs,
      );
    } catch (error) {
      this.#log.warn({ ...ids, kind, error: errorSummary(error) }, 'the dead letter could not be recorded in the ledger');
    }
  }
}
