import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Channel } from '../../domain/event-catalogue.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { NOTIFICATION_EVENT_TYPES, type StatusReported } from '../../domain/notification-events.ts';
import { PREFERENCE_EVENT_TYPES, type ContactOptedIn, type ContactOptedOut } from '../../domain/preference-events.ts';
import { streamName, type StreamName } from '../../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type NewEvent } from '../../ledger/event-store.ts';
import type { ReadModelDatabase } from '../../projections/read-model-database.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ProviderStatusReport, WebhookBatch } from './webhook-types.ts';

export interface WebhookRecorder {
  store: EventStore;
  db: Kysely<ReadModelDatabase>;
  logger: Logger;
  /** How long to wait for a just-sent notification to reach the read model before calling a report unmatched. */
  matchWaitMs?: number;
}

export interface RecordedBatch {
  recorded: number;
  repeated: number;
  unmatched: number;
}

/**
 * Records what a verified webhook says: each status report on its notification's stream, each
 * opt-out, opt-in and suppression on the address's preference stream. Idempotent: a repeated
 * callback (same report id) records nothing new, and ordering is the projection's business.
 */
export async function recordWebhookBatch(recorder: WebhookRecorder, batch: WebhookBatch): Promise<RecordedBatch> {
  const result: RecordedBatch = { recorded: 0, repeated: 0, unmatched: 0 };
  for (const report of batch.reports) {
    const target = await findNotification(recorder, report);
    if (!target) {
      result.unmatched++;
      recorder.logger.warn({ provider: report.provider, providerMessageId: report.providerMessageId, status: report.status }, 'status report for an unknown message');
      continue;
    }
    const data: StatusReported = {
      notificationId: target,
      provider: report.provider,
      providerMessageId: report.providerMessageId,
      status: report.status,
      code: report.code,
      detail: report.detail,
      reportedAt: report.occurredAt,
      reportId: report.reportId,
    };
    const outcome = await appendOnce(recorder.store, streamName.notification(target), {
      id: deterministicUuid('status-report', target, report.reportId),
      type: NOTIFICATION_EVENT_TYPES.statusReported,
      data,
      metadata: { actor: report.provider, sourceId: report.reportId },
    });
    result[outcome]++;
  }
  for (const reply of batch.replies) {
    if (reply.intent === 'other') continue;
    const personId = await personFor(recorder, reply.channel, reply.from);
    const event: ContactOptedOut | ContactOptedIn = reply.intent === 'opt-out'
      ? { channel: reply.channel, address: reply.from, personId, reason: 'stop-reply', at: reply.receivedAt, actor: reply.provider }
      : { channel: reply.channel, address: reply.from, personId, at: reply.receivedAt, actor: reply.provider };
    const outcome = await appendOnce(recorder.store, streamName.preference(`${reply.channel}:${reply.from}`), {
      id: deterministicUuid('reply', reply.provider, reply.messageId),
      type: reply.intent === 'opt-out' ? PREFERENCE_EVENT_TYPES.optedOut : PREFERENCE_EVENT_TYPES.optedIn,
      data: event,
      metadata: { actor: reply.provider, sourceId: reply.messageId, keyword: reply.keyword ?? null },
    });
    result[outcome]++;
  }
  for (const suppression of batch.suppressions) {
    const personId = await personFor(recorder, suppression.channel, suppression.address);
    const event: ContactOptedOut = {
      channel: suppression.channel,
      address: suppression.address,
      personId,
      reason: suppression.reason === 'bounced-address' ? 'permanent-bounce' : 'complaint',
      at: suppression.occurredAt,
      actor: 'provider',
    };
    const outcome = await appendOnce(recorder.store, streamName.preference(`${suppression.channel}:${suppression.address}`), {
      id: deterministicUuid('suppression', suppression.channel, suppression.address, suppression.reportId),
      type: PREFERENCE_EVENT_TYPES.optedOut,
      data: event,
      metadata: { actor: 'provider', sourceId: suppression.reportId },
    });
    result[outcome]++;
  }
  return result;
}

/** Appends unless an event with the same source id is already in the stream. */
async function appendOnce(store: EventStore, stream: StreamName, event: NewEvent): Promise<'recorded' | 'repeated'> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const history = await readStreamToArray(store, stream);
    if (history.some((e) => e.id === event.id || (e.metadata.sourceId !== undefined && e.metadata.sourceId === event.metadata?.sourceId))) return 'repeated';
    const result = await store.append(stream, [event], history.length === 0 ? 'no-stream' : BigInt(history.length - 1));
    if (result.ok) return 'recorded';
  }
  throw new Error(`Could not record a webhook event on ${stream}: the stream kept changing`);
}

async function findNotification(recorder: WebhookRecorder, report: ProviderStatusReport): Promise<string | null> {
  if (report.notificationId && /^[0-9a-f-]{36}$/i.test(report.notificationId)) {
    const known = await recorder.db.selectFrom('notifications').select('notification_id').where('notification_id', '=', report.notificationId).executeTakeFirst();
    if (known) return known.notification_id;
  }
  // A report can overtake the projection of our own NotificationSent by a few milliseconds.
  const deadline = Date.now() + (recorder.matchWaitMs ?? 1500);
  for (;;) {
    const row = await recorder.db
      .selectFrom('notifications')
      .select('notification_id')
      .where('provider', '=', report.provider)
      .where('provider_message_id', '=', report.providerMessageId)
      .executeTakeFirst();
    if (row) return row.notification_id;
    if (Date.now() > deadline) return null;
    await delay(100);
  }
}

/** The person behind an address, from the most recent message we sent to it on that channel. */
async function personFor(recorder: WebhookRecorder, channel: Channel, address: string): Promise<string | null> {
  const row = await recorder.db
    .selectFrom('notifications')
    .select('recipient_id')
    .where('channel', '=', channel)
    .where('recipient_address', '=', address)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.recipient_id ?? null;
}
