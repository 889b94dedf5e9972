import { foldedRowOf } from '../deliveries/notification-rows.queries.ts';
import { sql, type Kysely } from 'kysely';
import type { WebhookAttemptOutcome, WebhookDeliveryAttempted, WebhookDeliveryStatus } from '../../domain/webhooks/webhook-delivery-events.ts';
import { deliveryStatusAfter } from '../../domain/webhooks/webhook-delivery-events.ts';
import type { WebhookEventKind } from '../../domain/webhooks/webhook-endpoint.ts';
import type { PersonErased } from '../../domain/erasure/person-erased.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import { bodyToSend, erasedBody } from '../../domain/webhooks/sealed-webhook-body.ts';
import type { SealedCells } from '../../ledger/sealed-cells.ts';
import type { NotificationFacts } from '../../domain/webhooks/webhook-messages.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import type { RecipientKind } from '../../domain/notifications/notification-events.ts';
import type { FoldedNotification } from '../deliveries/notification-row-fold.ts';
import { jsonRecordset, recordsetColumns, recordsetRows } from '../json-recordset.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

/** An endpoint as the outbox sees it at its position. */
export interface WebhookSubscription {
  endpointId: string;
  eventKinds: WebhookEventKind[];
  includeContacts: boolean;
  enabled: boolean;
  version: number;
  failingSince: string | null;
}

/** Every endpoint the outbox knows: a handful of rows. */
export async function loadSubscriptions(db: Db): Promise<Map<string, WebhookSubscription>> {
  const rows = await db.selectFrom('webhook_subscriptions').selectAll().execute();
  return new Map(rows.map((r) => [r.endpoint_id, {
    endpointId: r.endpoint_id,
    eventKinds: r.event_kinds as WebhookEventKind[],
    includeContacts: r.include_contacts,
    enabled: r.enabled,
    version: r.version,
    failingSince: r.failing_since === null ? null : new Date(r.failing_since).toISOString(),
  }]));
}

export async function saveSubscriptions(db: Db, subscriptions: readonly WebhookSubscription[]): Promise<void> {
  if (subscriptions.length === 0) return;
  const rows = subscriptions.map((s) => ({
    endpoint_id: s.endpointId,
    event_kinds: JSON.stringify(s.eventKinds),
    include_contacts: s.includeContacts,
    enabled: s.enabled,
    version: s.version,
    failing_since: s.failingSince,
  }));
  await db
    .insertInto('webhook_subscriptions')
    .values(rows)
    .onConflict((oc) => oc.column('endpoint_id').doUpdateSet({
      enabled: sql`excluded.enabled`,
      version: sql`excluded.version`,
      failing_since: sql`excluded.failing_since`,
    }))
    .execute();
}

/** A notification as the deliveries read model holds it: its facts, and its row to fold the batch's events onto. */
export interface TrackedNotification {
  row: FoldedNotification;
  facts: NotificationFacts;
}

/**
 * These notifications as the deliveries read model left them. The outbox runs before that read model
 * in the same transaction, so this is each one as of the batch's start: the status before its events.
 */
export async function loadTrackedNotifications(db: Db, ids: readonly string[]): Promise<Map<string, TrackedNotification>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('notifications')
    .select([
      'notification_id', 'event_id', 'event_type', 'centre_id', 'booking_reference', 'appointment_id', 'channel', 'recipient_kind',
      'recipient_id', 'recipient_address', 'fallback_of', 'status', 'attempts', 'possible_duplicate', 'provider', 'provider_message_id',
      'last_error_code', 'last_error', 'due_at', 'updated_at', 'applied_revision',
    ])
    .where('notification_id', '=', sql<string>`any(${[...ids]}::uuid[])`)
    .execute();
  return new Map(rows.map((r) => [r.notification_id, {
    row: foldedRowOf(r),
    facts: {
      notificationId: r.notification_id,
      eventId: r.event_id,
      eventType: r.event_type,
      centreId: r.centre_id,
      bookingReference: r.booking_reference,
      appointmentId: r.appointment_id,
      channel: r.channel as Channel,
      recipient: { kind: r.recipient_kind as RecipientKind, id: r.recipient_id, address: r.recipient_address },
      fallbackOf: r.fallback_of,
    },
  }]));
}

/** A message queued for one endpoint. */
export interface QueuedDelivery {
  messageId: string;
  endpointId: string;
  kind: WebhookEventKind;
  sourceEventId: string;
  sourceCommit: string;
  sourcePrepare: string;
  eventAt: string;
  body: string;
}

const QUEUED_COLUMNS = {
  message_id: 'text', endpoint_id: 'text', kind: 'text', source_event_id: 'text', source_commit: 'numeric',
  source_prepare: 'numeric', event_at: 'timestamptz', body: 'text', status: 'text',
} as const;

/** New messages, pending and due at once, in one statement; one queued before (a repeated batch) stays as it is. */
export async function queueDeliveries(db: Db, deliveries: readonly QueuedDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  const rows = deliveries.map((d) => ({
    message_id: d.messageId,
    endpoint_id: d.endpointId,
    kind: d.kind,
    source_event_id: d.sourceEventId,
    source_commit: d.sourceCommit,
    source_prepare: d.sourcePrepare,
    event_at: d.eventAt,
    body: d.body,
    status: 'pending',
  }));
  await db
    .insertInto('webhook_deliveries')
    .columns(recordsetColumns(QUEUED_COLUMNS))
    .expression(recordsetRows(rows, QUEUED_COLUMNS))
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
}

const ATTEMPT_COLUMNS = {
  message_id: 'text', attempt: 'integer', at: 'timestamptz', outcome: 'text', http_status: 'integer', error: 'text',
  latency_ms: 'integer', response_body: 'text', next_attempt_at: 'timestamptz', status: 'text',
} as const;

/**
 * Recorded attempts: each kept, and each message's row moved to its latest (an attempt the row has
 * already seen changes nothing). The claim is let go: the row now says when it is due again.
 */
export async function applyAttempts(db: Db, attempts: readonly WebhookDeliveryAttempted[]): Promise<void> {
  if (attempts.length === 0) return;
  const rows = attempts.map((a) => ({
    message_id: a.messageId,
    attempt: a.attempt,
    at: a.at,
    outcome: a.outcome,
    http_status: a.httpStatus,
    error: a.error,
    latency_ms: a.latencyMs,
    response_body: a.responseBody,
    next_attempt_at: a.nextAttemptAt,
    status: deliveryStatusAfter(a),
  }));
  const { status: _status, ...attemptColumns } = ATTEMPT_COLUMNS;
  await db
    .insertInto('webhook_delivery_attempts')
    .columns(recordsetColumns(attemptColumns))
    .expression(recordsetRows(rows, attemptColumns))
    .onConflict((oc) => oc.columns(['message_id', 'attempt']).doNothing())
    .execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) if ((latest.get(row.message_id)?.attempt ?? 0) < row.attempt) latest.set(row.message_id, row);
  await db
    .updateTable('webhook_deliveries as d')
    .from(jsonRecordset([...latest.values()], ATTEMPT_COLUMNS, 'v'))
    .set({
      status: sql`v.status`,
      attempts: sql`v.attempt`,
      next_attempt_at: sql`v.next_attempt_at`,
      last_attempt_at: sql`v.at`,
      last_outcome: sql`v.outcome`,
      last_http_status: sql`v.http_status`,
      claimed_by: null,
      claimed_until: null,
    })
    .where(sql<boolean>`d.message_id = v.message_id and d.attempts < v.attempt`)
    .execute();
}

/**
 * The messages holding an erased person's data, as a rebuild makes them once their keys are gone:
 * those about notifications to them, and their numbers' replies (sealed-webhook-body.ts). Found by
 * the ids and keyed hashes the bodies keep in clear; erasures are rare, so a scan is fine.
 */
export async function eraseFromDeliveries(db: Db, erased: PersonErased): Promise<void> {
  const field = (path: string) => sql<string | null>`body::jsonb #>> ${`{${path}}`}`;
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['message_id', 'body'])
    .where((eb) => eb.or([
      eb.and([
        eb('kind', 'like', 'notification.%'),
        eb(field('data,recipient,kind'), '=', erased.kind),
        eb(field('data,recipient,id'), '=', erased.id),
        eb(field('data,recipient,address'), '<>', ERASED),
        eb(field('data,recipient,address'), 'not like', 'pdc1.%'),
      ]),
      ...(erased.contacts.length > 0
        ? [eb.and([
          eb('kind', '=', 'patient.replied'),
          eb(field('data,conversationId'), 'in', erased.contacts),
          eb(field('data,text'), '<>', ERASED),
          eb(field('data,text'), 'not like', 'pdc1.%'),
        ])]
        : []),
    ]))
    .execute();
  for (const row of rows) {
    const body = erasedBody(row.body, erased);
    if (body !== null) await db.updateTable('webhook_deliveries').set({ body }).where('message_id', '=', row.message_id).execute();
  }
}

/** A replay: every message to the endpoint whose event happened at or after `from` starts a new round, due at once. */
export async function replayDeliveries(db: Db, endpointId: string, from: Date): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: null, round_start: sql`attempts`, claimed_by: null, claimed_until: null })
    .where('endpoint_id', '=', endpointId)
    .where('event_at', '>=', from)
    .execute();
}

/** A message a sender holds for one attempt. */
export interface ClaimedDelivery {
  messageId: string;
  endpointId: string;
  kind: WebhookEventKind;
  sourceEventId: string;
  body: string;
  attempts: number;
  roundStart: number;
}

/**
 * Claims pending messages that are due, of enabled endpoints, for one sender: rows nobody holds (or
 * whose lease ran out), the longest waiting first, skipping rows another sender is claiming at this
 * very moment. Times come from our Clock.
 */
export async function claimDueDeliveries(db: Db, options: { worker: string; now: Date; leaseMs: number; limit: number }): Promise<ClaimedDelivery[]> {
  const { worker, now, leaseMs, limit } = options;
  const due = db
    .selectFrom('webhook_deliveries as d')
    .select('d.message_id')
    .where('d.status', '=', 'pending')
    .where((w) => w.or([w('d.next_attempt_at', 'is', null), w('d.next_attempt_at', '<=', now)]))
    .where((w) => w.or([w('d.claimed_until', 'is', null), w('d.claimed_until', '<', now)]))
    .where((w) => w.exists(w.selectFrom('webhook_subscriptions as s').select('s.endpoint_id').whereRef('s.endpoint_id', '=', 'd.endpoint_id').where('s.enabled', '=', true)))
    .orderBy(sql`d.next_attempt_at asc nulls first`)
    .limit(limit)
    .forUpdate()
    .skipLocked();
  const rows = await db
    .updateTable('webhook_deliveries')
    .set({ claimed_by: worker, claimed_until: new Date(now.getTime() + leaseMs) })
    .where(sql<boolean>`message_id = any(array(${due}))`)
    .returning(['message_id', 'endpoint_id', 'kind', 'source_event_id', 'body', 'attempts', 'round_start'])
    .execute();
  return rows.map((r) => ({
    messageId: r.message_id,
    endpointId: r.endpoint_id,
    kind: r.kind as WebhookEventKind,
    sourceEventId: r.source_event_id,
    body: r.body,
    attempts: r.attempts,
    roundStart: r.round_start,
  }));
}

/**
 * Messages' bodies to one endpoint as it gets them: what they keep sealed opened (one trip to the
 * key store for all), an address masked unless the endpoint is trusted with contacts. A body with
 * nothing sealed in it is its stored text, byte for byte.
 */
export async function openWebhookBodies(cells: Pick<SealedCells, 'open'>, bodies: readonly string[], includeContacts: boolean): Promise<string[]> {
  const stored = bodies.map((body) => JSON.parse(body) as unknown);
  const opened = await cells.open(stored);
  return bodies.map((body, i) => (opened[i] === stored[i] ? body : bodyToSend(stored[i], opened[i], includeContacts)));
}

/** Lets go of a message without an attempt recorded (its endpoint changed, the row was behind the ledger). */
export async function releaseDelivery(db: Db, messageId: string, worker: string): Promise<void> {
  await db.updateTable('webhook_deliveries').set({ claimed_by: null, claimed_until: null }).where('message_id', '=', messageId).where('claimed_by', '=', worker).execute();
}

/** When the next pending message of an enabled endpoint nobody holds falls due (now, for one due at once). */
export async function nextDeliveryDueAt(db: Db, now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .select(sql<Date | null>`coalesce(d.next_attempt_at, ${now})`.as('next'))
    .where('d.status', '=', 'pending')
    .where((w) => w.or([w('d.claimed_until', 'is', null), w('d.claimed_until', '<=', now)]))
    .where((w) => w.exists(w.selectFrom('webhook_subscriptions as s').select('s.endpoint_id').whereRef('s.endpoint_id', '=', 'd.endpoint_id').where('s.enabled', '=', true)))
    .orderBy(sql`d.next_attempt_at asc nulls first`)
    .limit(1)
    .executeTakeFirst();
  return row?.next ? new Date(row.next) : null;
}

/** Since when an endpoint's attempts have all failed, as the outbox has applied them; null while it is not failing. */
export async function endpointFailingSince(db: Db, endpointId: string): Promise<Date | null> {
  const row = await db.selectFrom('webhook_subscriptions').select('failing_since').where('endpoint_id', '=', endpointId).executeTakeFirst();
  return row?.failing_since ? new Date(row.failing_since) : null;
}

export interface WebhookDeliveryAttemptView {
  attempt: number;
  at: Date;
  outcome: WebhookAttemptOutcome;
  httpStatus: number | null;
  error: string | null;
  latencyMs: number;
  responseBody: string | null;
  nextAttemptAt: Date | null;
}

export interface WebhookDeliveryView {
  messageId: string;
  endpointId: string;
  kind: WebhookEventKind;
  sourceEventId: string;
  status: WebhookDeliveryStatus;
  eventAt: Date;
  body: string;
  nextAttemptAt: Date | null;
  attempts: WebhookDeliveryAttemptView[];
}

/** An endpoint's messages, newest event first, each with its attempts in order: two statements. */
export async function listDeliveries(db: Db, endpointId: string, options: { first: number; status?: WebhookDeliveryStatus | null }): Promise<WebhookDeliveryView[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .select(['message_id', 'endpoint_id', 'kind', 'source_event_id', 'status', 'event_at', 'body', 'next_attempt_at'])
    .where('endpoint_id', '=', endpointId);
  if (options.status) query = query.where('status', '=', options.status);
  const rows = await query.orderBy('source_commit', 'desc').orderBy('source_prepare', 'desc').orderBy('message_id').limit(options.first).execute();
  if (rows.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_delivery_attempts')
    .selectAll()
    .where('message_id', '=', sql<string>`any(${rows.map((r) => r.message_id)}::text[])`)
    .orderBy('message_id')
    .orderBy('attempt')
    .execute();
  const byMessage = new Map<string, WebhookDeliveryAttemptView[]>();
  for (const a of attempts) {
    const list = byMessage.get(a.message_id) ?? [];
    list.push({
      attempt: a.attempt,
      at: new Date(a.at),
      outcome: a.outcome as WebhookAttemptOutcome,
      httpStatus: a.http_status,
      error: a.error,
      latencyMs: a.latency_ms,
      responseBody: a.response_body,
      nextAttemptAt: a.next_attempt_at === null ? null : new Date(a.next_attempt_at),
    });
    byMessage.set(a.message_id, list);
  }
  return rows.map((r) => ({
    messageId: r.message_id,
    endpointId: r.endpoint_id,
    kind: r.kind as WebhookEventKind,
    sourceEventId: r.source_event_id,
    status: r.status as WebhookDeliveryStatus,
    eventAt: new Date(r.event_at),
    body: r.body,
    nextAttemptAt: r.next_attempt_at === null ? null : new Date(r.next_attempt_at),
    attempts: byMessage.get(r.message_id) ?? [],
  }));
}

/** How many messages to the endpoint a replay from `from` sends again, as the read model stands. */
export async function countDeliveriesSince(db: Db, endpointId: string, from: Date): Promise<number> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('endpoint_id', '=', endpointId)
    .where('event_at', '>=', from)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
