import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../../domain/clock.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { openSecret, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { streamName } from '../../domain/stream-name.ts';
import { signWebhook } from '../../domain/webhooks/outbound-signature.ts';
import { WEBHOOK_DELIVERY_EVENT_TYPES, type WebhookDeliveryAttempted } from '../../domain/webhooks/webhook-delivery-events.ts';
import { signingSecretsAt, type WebhookEndpoint } from '../../domain/webhooks/webhook-endpoint.ts';
import { decideAttempt, hasFailedTooLong, type AttemptAnswer } from '../../domain/webhooks/webhook-retry.ts';
import { readStreamToArray, type EventStore } from '../../ledger/event-store.ts';
import type { SealedCells } from '../../ledger/sealed-cells.ts';
import { WakeableLoop } from '../../ledger/wakeable-loop.ts';
import type { ReadModelDatabase } from '../../projections/read-model-database.ts';
import {
  claimDueDeliveries,
  endpointFailingSince,
  nextDeliveryDueAt,
  openWebhookBodies,
  releaseDelivery,
  type ClaimedDelivery,
} from '../../projections/webhooks/webhook-deliveries.queries.ts';
import { loadWebhookEndpoints } from '../../projections/webhooks/webhook-endpoints.queries.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { checkWebhookTarget, describeRefusal, type ResolveHostname } from './ssrf-guard.ts';
import { disableEndpointWithAlert } from './webhook-endpoint-alert.ts';
import { WebhookHttpClient } from './webhook-http.ts';

export interface WebhookSenderOptions {
  store: EventStore;
  db: Kysely<ReadModelDatabase>;
  /** The service's clock: the schedule, leases and the 24-hour rule run on it. */
  clock: Clock;
  logger: Logger;
  keys: Pick<LedgerKeys, 'webhookSecrets'>;
  /** Opens what a message's body keeps sealed, just before it is signed and sent. */
  cells: Pick<SealedCells, 'open'>;
  /** WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** Default: the system resolver. Tests inject one, so that no query leaves the machine. */
  resolve?: ResolveHostname;
  metrics?: Registry;
  pollIntervalMs?: number;
  /** Messages claimed at once. */
  batch?: number;
  /** Messages in flight to one endpoint at once. */
  perEndpoint?: number;
  /** A claim nobody recorded an attempt for within this long is taken to have died with its sender. */
  leaseMs?: number;
  timeoutMs?: number;
  worker?: string;
  /**
   * The wall clock, for `webhook-timestamp`: receivers compare it with their own clock, so it is
   * never the service's clock (which tests move). Default: the machine's.
   */
  wallClock?: () => Date;
}

/**
 * Sends the outbox's due messages to clinic systems, one attempt per claim:
 *
 *   pending, due --claim (SKIP LOCKED, a lease)--> held --guard, sign, POST--> attempt recorded at the
 *   revision read (a second sender loses the append) --the outbox applies it--> delivered | failed |
 *   pending again at its next attempt's time
 *
 * Before every attempt the URL is checked again on its resolved address, and the connection is
 * pinned to the address checked. The body is opened then (it keeps personal data sealed), and the
 * signature is computed over the opened text: every attempt of a message sends the same bytes. A 410 disables the endpoint; so do 24 hours of failures without a
 * success, with an admin alert. Replay never runs this: only the live service starts it.
 */
export class WebhookSender {
  readonly #o: Required<Omit<WebhookSenderOptions, 'resolve' | 'metrics'>> & Pick<WebhookSenderOptions, 'resolve'>;
  readonly #http: WebhookHttpClient;
  readonly #loop = new WakeableLoop({ work: (signal) => this.#work(signal), sleepMs: () => this.#sleepMs() });
  readonly #sent: Counter | undefined;
  readonly #latency: Histogram | undefined;

  constructor(options: WebhookSenderOptions) {
    const { metrics, ...rest } = options;
    this.#o = {
      pollIntervalMs: 1000,
      batch: 50,
      perEndpoint: 4,
      leaseMs: 120_000,
      timeoutMs: 10_000,
      worker: `webhooks-${randomUUID()}`,
      wallClock: () => new Date(),
      ...rest,
    };
    this.#http = new WebhookHttpClient({ timeoutMs: this.#o.timeoutMs });
    this.#sent = metrics
      ? new Counter({ name: 'webhook_deliveries_total', help: 'Webhook attempts by event kind and outcome.', labelNames: ['kind', 'outcome'], registers: [metrics] })
      : undefined;
    this.#latency = metrics
      ? new Histogram({ name: 'webhook_delivery_seconds', help: 'How long webhook endpoints took to answer, by outcome.', labelNames: ['outcome'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [metrics] })
      : undefined;
  }

  start(): void {
    this.#loop.start();
  }

  /** Messages may be due (queued, moved on, a moved clock): look now instead of at the next poll. */
  poke(): void {
    this.#loop.wake();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.#http.close();
  }

  async #work(signal: AbortSignal): Promise<boolean> {
    try {
      return (await this.#round(signal)) >= this.#o.batch;
    } catch (error) {
      if (!signal.aborted) this.#o.logger.error({ err: error }, 'sending webhooks failed');
      return false;
    }
  }

  async #round(signal: AbortSignal): Promise<number> {
    const { db, clock } = this.#o;
    const claimed = await claimDueDeliveries(db, { worker: this.#o.worker, now: clock.now(), leaseMs: this.#o.leaseMs, limit: this.#o.batch });
    if (claimed.length === 0) return 0;
    const endpoints = new Map((await loadWebhookEndpoints(db, [...new Set(claimed.map((c) => c.endpointId))])).map((e) => [e.endpointId, e]));
    const byEndpoint = new Map<string, ClaimedDelivery[]>();
    for (const claim of claimed) {
      const list = byEndpoint.get(claim.endpointId);
      if (list) list.push(claim);
      else byEndpoint.set(claim.endpointId, [claim]);
    }
    await Promise.all([...byEndpoint].map(async ([endpointId, claims]) => {
      // Set once the endpoint is disabled in this round: what is left of its claims waits.
      const stopped = { value: false };
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(this.#o.perEndpoint, claims.length) }, async () => {
        for (let claim = claims[next++]; claim; claim = claims[next++]) {
          const endpoint = endpoints.get(endpointId);
          if (!endpoint?.enabled || stopped.value || signal.aborted) await releaseDelivery(db, claim.messageId, this.#o.worker);
          else await this.#attempt(claim, endpoint, stopped, signal);
        }
      }));
    }));
    return claimed.length;
  }

  /** One attempt at one message: guard, sign, POST, record; then what the answer means for the endpoint. */
  async #attempt(claim: ClaimedDelivery, endpoint: WebhookEndpoint, stopped: { value: boolean }, signal: AbortSignal): Promise<void> {
    const { store, db, clock, logger } = this.#o;
    const stream = streamName.webhookDelivery(claim.messageId);
    const recorded = (await readStreamToArray(store, stream)).length;
    // The row has not caught up with an attempt already recorded: the outbox will move it on.
    if (recorded !== claim.attempts) {
      await releaseDelivery(db, claim.messageId, this.#o.worker);
      return;
    }
    const attempt = recorded + 1;
    const at = clock.now();
    const sent = await this.#send(claim, endpoint, at, signal);
    // Stopping mid-request: whether it arrived is unknown, so nothing is recorded and the lease lets it be sent again.
    if (signal.aborted) return;
    const decision = decideAttempt({ messageId: claim.messageId, attempt, attemptInRound: attempt - claim.roundStart, answer: sent.answer, now: clock.now(), wallNow: this.#o.wallClock() });
    const data: WebhookDeliveryAttempted = {
      messageId: claim.messageId,
      endpointId: claim.endpointId,
      kind: claim.kind,
      sourceEventId: claim.sourceEventId,
      attempt,
      outcome: decision.outcome,
      httpStatus: sent.answer.kind === 'http' ? sent.answer.status : null,
      error: sent.answer.kind === 'http' ? (sent.answer.status >= 300 && sent.answer.status < 400 ? 'redirect not followed' : null) : sent.answer.message,
      latencyMs: sent.latencyMs,
      responseBody: sent.responseBody,
      nextAttemptAt: decision.nextAttemptAt?.toISOString() ?? null,
      webhookTimestamp: sent.webhookTimestamp,
      at: at.toISOString(),
    };
    const appended = await store.append(stream, [{
      id: deterministicUuid('webhook-delivery-attempt', claim.messageId, attempt),
      type: WEBHOOK_DELIVERY_EVENT_TYPES.attempted,
      data,
      metadata: { actor: 'system', causationId: claim.sourceEventId },
    }], recorded === 0 ? 'no-stream' : BigInt(recorded - 1));
    if (!appended.ok) {
      logger.info({ messageId: claim.messageId, endpointId: claim.endpointId, attempt }, 'webhook attempt already recorded by another sender');
      return;
    }
    this.#sent?.inc({ kind: claim.kind, outcome: decision.outcome });
    if (sent.answer.kind !== 'refused') this.#latency?.observe({ outcome: decision.outcome }, sent.latencyMs / 1000);
    const fields = { messageId: claim.messageId, endpointId: claim.endpointId, kind: claim.kind, attempt, outcome: decision.outcome, httpStatus: data.httpStatus, nextAttemptAt: data.nextAttemptAt };
    if (decision.outcome === 'delivered') logger.info(fields, 'webhook delivered');
    else logger.warn({ ...fields, error: data.error }, 'webhook attempt failed');

    if (decision.disableEndpoint === 'gone') {
      stopped.value = true;
      await disableEndpointWithAlert({ store, clock }, endpoint, 'gone', 'It answered 410 Gone.', claim.messageId);
    } else if (decision.outcome !== 'delivered') {
      const since = (await endpointFailingSince(db, claim.endpointId)) ?? at;
      if (hasFailedTooLong(since, at)) {
        stopped.value = true;
        const last = data.httpStatus !== null ? `HTTP ${data.httpStatus}` : (data.error ?? 'no answer');
        await disableEndpointWithAlert({ store, clock }, endpoint, 'failing', `Every attempt since ${since.toISOString()} failed (the last: ${last}).`, claim.messageId);
      }
    }
  }

  /** The guard, then the signed POST; a refusal, an unopenable secret or an unopenable body sends nothing. */
  async #send(claim: ClaimedDelivery, endpoint: WebhookEndpoint, at: Date, signal: AbortSignal): Promise<{
    answer: AttemptAnswer;
    latencyMs: number;
    responseBody: string | null;
    webhookTimestamp: number | null;
  }> {
    const checked = await checkWebhookTarget(endpoint.url, { allowPrivate: this.#o.allowPrivate, ...(this.#o.resolve ? { resolve: this.#o.resolve } : {}) });
    if (!checked.ok) return { answer: { kind: 'refused', message: `refused: ${describeRefusal(checked.error)}` }, latencyMs: 0, responseBody: null, webhookTimestamp: null };
    const secrets: string[] = [];
    for (const secret of signingSecretsAt(endpoint, at)) {
      const opened = openSecret(this.#o.keys.webhookSecrets, secret.sealed, endpoint.endpointId);
      if (!opened.ok) {
        this.#o.logger.error({ endpointId: endpoint.endpointId, problem: opened.error }, 'a webhook signing secret does not open with this LEDGER_MASTER_KEY');
        return { answer: { kind: 'error', message: 'the signing secret does not open with the service\'s LEDGER_MASTER_KEY: nothing sent' }, latencyMs: 0, responseBody: null, webhookTimestamp: null };
      }
      secrets.push(opened.value);
    }
    const body = await this.#bodyOf(claim, endpoint);
    if (body === null) return { answer: { kind: 'error', message: 'the stored body does not open with the service\'s keys: nothing sent' }, latencyMs: 0, responseBody: null, webhookTimestamp: null };
    const headers = signWebhook({ id: claim.messageId, timestamp: this.#o.wallClock(), body }, secrets);
    const result = await this.#http.post(checked.value, headers, body, signal);
    const webhookTimestamp = Number(headers['webhook-timestamp']);
    if (result.kind === 'error') return { answer: { kind: 'error', message: result.message }, latencyMs: result.latencyMs, responseBody: null, webhookTimestamp };
    return { answer: { kind: 'http', status: result.status, retryAfter: result.retryAfter }, latencyMs: result.latencyMs, responseBody: result.body, webhookTimestamp };
  }

  /** The body as the endpoint gets it; null when what it keeps sealed does not open (altered, or another master key). */
  async #bodyOf(claim: ClaimedDelivery, endpoint: WebhookEndpoint): Promise<string | null> {
    try {
      const [body] = await openWebhookBodies(this.#o.cells, [claim.body], endpoint.includeContacts);
      return body!;
    } catch (error) {
      this.#o.logger.error({ err: error, messageId: claim.messageId, endpointId: endpoint.endpointId }, 'a webhook body does not open');
      return null;
    }
  }

  async #sleepMs(): Promise<number> {
    const now = this.#o.clock.now();
    const next = await nextDeliveryDueAt(this.#o.db, now).catch(() => null);
    let waitMs = this.#o.pollIntervalMs;
    if (next) waitMs = Math.min(waitMs, next.getTime() - now.getTime());
    return waitMs <= 0 ? 50 : waitMs;
  }
}
