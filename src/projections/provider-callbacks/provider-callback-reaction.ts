import type { Kysely } from 'kysely';
import type { Channel } from '../../domain/event-catalogue.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { NOTIFICATION_EVENT_TYPES, type NotificationSent, type StatusReported } from '../../domain/notifications/notification-events.ts';
import { PREFERENCE_EVENT_TYPES, type ContactOptedIn, type ContactOptedOut } from '../../domain/notifications/preference-events.ts';
import {
  PROVIDER_CALLBACK_EVENT_TYPES, type ContactSuppression, type InboundReply, type ProviderCallbackReceived, type ProviderStatusReport,
} from '../../domain/notifications/provider-callback-events.ts';
import { categoryOf, streamName, type StreamName } from '../../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type NewEvent, type RecordedEvent } from '../../ledger/event-store.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Clock } from '../../domain/clock.ts';
import { contactHash, contactKindOf, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import type { SealedCells } from '../../ledger/sealed-cells.ts';
import { conversationAppends } from '../conversations/conversation-appends.ts';
import type { ProcessorProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

export interface ProviderCallbackOptions {
  store: EventStore;
  logger: Logger;
  clock: Clock;
  /** For the keyed hash that names a number's conversation. */
  keys: Pick<LedgerKeys, 'contactHash' | 'payloadHash'>;
  /** Opens what the read models keep sealed, where a decision takes it from them (the names a reply's alert gives). */
  cells: Pick<SealedCells, 'open'>;
  /** Building read models for a replay: keep the tables, append nothing. */
  rebuild?: boolean;
}

interface DecidedAppend {
  stream: StreamName;
  event: NewEvent;
}

interface SentMessage {
  provider: string;
  providerMessageId: string;
  notificationId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Interprets recorded provider callbacks, in ledger order: each status report becomes a
 * StatusReported on its notification's stream, each STOP/START reply and each suppression an
 * opt-out or opt-in on the address's preference stream, every one naming the callback as its cause.
 * Every reply also goes to its number's conversation, and raises `patient.replied` unless it is a
 * consent keyword.
 *
 * A report is matched by the provider message id its notification's NotificationSent recorded,
 * which this reaction remembers itself (it does not wait for the deliveries read model). A report
 * that overtakes its NotificationSent (the provider answers before our append of the send, or the
 * callback is read while this reaction catches up) is kept in `pending_provider_reports` and applied
 * when the NotificationSent comes along. Either order leaves the same tables, so a replay agrees.
 *
 * Appends are checked against the stream by their deterministic ids, so a repeated batch, a
 * redelivered callback or the same report in two callbacks records one event.
 */
export function providerCallbackProcessor(options: ProviderCallbackOptions): ProcessorProjection {
  const { store, logger, clock, keys, cells, rebuild = false } = options;
  return {
    name: 'provider-callbacks',
    kind: 'processor',
    handles: (e) => e.type === PROVIDER_CALLBACK_EVENT_TYPES.received || (e.type === NOTIFICATION_EVENT_TYPES.sent && categoryOf(e.stream) === 'notification'),
    async applyBatch(db: Kysely<ReadModelDatabase>, events: readonly RecordedEvent[]) {
      const sent = events.filter((e) => e.type === NOTIFICATION_EVENT_TYPES.sent).map((e) => sentMessage(e.data as NotificationSent));
      // Sends first: a report in this batch finds a send of this batch whichever came first.
      await rememberSends(db, sent);
      const appends: DecidedAppend[] = [];
      const pending: ReturnType<typeof pendingRow>[] = [];
      for (const event of events) {
        if (event.type !== PROVIDER_CALLBACK_EVENT_TYPES.received) continue;
        const callback = event.data as ProviderCallbackReceived;
        const targets = await findTargets(db, callback.reports);
        for (const report of callback.reports) {
          const target = targets(report);
          if (target) appends.push(statusAppend(target, report, event.id));
          else pending.push(pendingRow(report, event.id));
        }
        if (rebuild) continue;
        for (const reply of callback.replies) {
          if (reply.intent !== 'other') appends.push(replyAppend(keys, reply, await personFor(db, keys, reply.channel, reply.from), event.id));
          appends.push(...(await conversationAppends({ db, store, keys, cells, now: clock.now() }, reply, event)));
        }
        for (const suppression of callback.suppressions) {
          appends.push(suppressionAppend(keys, suppression, await personFor(db, keys, suppression.channel, suppression.address), event.id));
        }
      }
      const resolved = await resolvePending(db, sent);
      for (const { row, target } of resolved) appends.push(statusAppend(target, row.report as ProviderStatusReport, row.callback_event_id));

      if (!rebuild) {
        for (const append of appends) await appendOnce(store, append.stream, append.event);
        for (const row of pending) {
          logger.info({ provider: row.provider, providerMessageId: row.provider_message_id, reportId: row.report_id }, 'status report kept until its notification is sent');
        }
      }
      // Only after the appends: a batch that fails before them is repeated and decides the same.
      if (pending.length > 0) {
        await db.insertInto('pending_provider_reports').values(pending).onConflict((oc) => oc.columns(['provider', 'report_id']).doNothing()).execute();
      }
      for (const { row } of resolved) {
        await db.deleteFrom('pending_provider_reports').where('provider', '=', row.provider).where('report_id', '=', row.report_id).execute();
      }
    },
  };
}

const sentMessage = (e: NotificationSent): SentMessage => ({ provider: e.provider, providerMessageId: e.providerMessageId, notificationId: e.notificationId });

async function rememberSends(db: Kysely<ReadModelDatabase>, sent: readonly SentMessage[]): Promise<void> {
  if (sent.length === 0) return;
  await db
    .insertInto('provider_messages')
    .values(sent.map((s) => ({ provider: s.provider, provider_message_id: s.providerMessageId, notification_id: s.notificationId })))
    .onConflict((oc) => oc.columns(['provider_message_id', 'provider']).doNothing())
    .execute();
}

/** Which sent notification each report is about: by its provider message id, else by the id the provider echoed. */
async function findTargets(db: Kysely<ReadModelDatabase>, reports: readonly ProviderStatusReport[]): Promise<(report: ProviderStatusReport) => string | null> {
  if (reports.length === 0) return () => null;
  const messageIds = [...new Set(reports.map((r) => r.providerMessageId))];
  const hints = [...new Set(reports.map(hintOf).filter((h): h is string => h !== null))];
  const rows = await db
    .selectFrom('provider_messages')
    .select(['provider', 'provider_message_id', 'notification_id'])
    .where((eb) => eb.or([
      eb('provider_message_id', 'in', messageIds),
      ...(hints.length > 0 ? [eb('notification_id', 'in', hints)] : []),
    ]))
    .execute();
  const byMessage = new Map(rows.map((r) => [`${r.provider}\u0000${r.provider_message_id}`, r.notification_id]));
  const sentIds = new Set(rows.map((r) => r.notification_id));
  return (report) => {
    const hint = hintOf(report);
    return byMessage.get(`${report.provider}\u0000${report.providerMessageId}`) ?? (hint !== null && sentIds.has(hint) ? hint : null);
  };
}

/** The pending reports this batch's sends resolve, each with its notification. */
async function resolvePending(db: Kysely<ReadModelDatabase>, sent: readonly SentMessage[]) {
  if (sent.length === 0) return [];
  const rows = await db
    .selectFrom('pending_provider_reports')
    .selectAll()
    .where((eb) => eb.or([
      eb('provider_message_id', 'in', [...new Set(sent.map((s) => s.providerMessageId))]),
      eb('notification_hint', 'in', [...new Set(sent.map((s) => s.notificationId))]),
    ]))
    .orderBy('report_id')
    .execute();
  const byMessage = new Map(sent.map((s) => [`${s.provider}\u0000${s.providerMessageId}`, s.notificationId]));
  const sentIds = new Set(sent.map((s) => s.notificationId));
  return rows.flatMap((row) => {
    const target = byMessage.get(`${row.provider}\u0000${row.provider_message_id}`)
      ?? (row.notification_hint !== null && sentIds.has(row.notification_hint) ? row.notification_hint : null);
    return target ? [{ row, target }] : [];
  });
}

const hintOf = (report: ProviderStatusReport): string | null =>
  report.notificationId !== undefined && UUID.test(report.notificationId) ? report.notificationId.toLowerCase() : null;

const pendingRow = (report: ProviderStatusReport, callbackEventId: string) => ({
  provider: report.provider,
  report_id: report.reportId,
  provider_message_id: report.providerMessageId,
  notification_hint: hintOf(report),
  callback_event_id: callbackEventId,
  report: JSON.stringify(report),
});

function statusAppend(notificationId: string, report: ProviderStatusReport, callbackEventId: string): DecidedAppend {
  const data: StatusReported = {
    notificationId,
    provider: report.provider,
    providerMessageId: report.providerMessageId,
    status: report.status,
    code: report.code,
    detail: report.detail,
    reportedAt: report.occurredAt,
    reportId: report.reportId,
  };
  return {
    stream: streamName.notification(notificationId),
    event: {
      id: deterministicUuid('status-report', notificationId, report.reportId),
      type: NOTIFICATION_EVENT_TYPES.statusReported,
      data,
      // Its correlation is the notification's (the inbound event behind it), taken from the stream when appended.
      metadata: { actor: report.provider, sourceId: report.reportId, causationId: callbackEventId },
    },
  };
}

function replyAppend(keys: Pick<LedgerKeys, 'contactHash'>, reply: InboundReply, personId: string | null, callbackEventId: string): DecidedAppend {
  const optOut = reply.intent === 'opt-out';
  const data: ContactOptedOut | ContactOptedIn = optOut
    ? { channel: reply.channel, address: reply.from, personId, reason: 'stop-reply', at: reply.receivedAt, actor: reply.provider }
    : { channel: reply.channel, address: reply.from, personId, at: reply.receivedAt, actor: reply.provider };
  return {
    stream: streamName.contactPreference(keys, reply.channel, reply.from),
    event: {
      id: deterministicUuid('reply', reply.provider, reply.messageId),
      type: optOut ? PREFERENCE_EVENT_TYPES.optedOut : PREFERENCE_EVENT_TYPES.optedIn,
      data,
      metadata: { actor: reply.provider, sourceId: reply.messageId, keyword: reply.keyword ?? null, causationId: callbackEventId, correlationId: callbackEventId },
    },
  };
}

function suppressionAppend(keys: Pick<LedgerKeys, 'contactHash'>, suppression: ContactSuppression, personId: string | null, callbackEventId: string): DecidedAppend {
  const data: ContactOptedOut = {
    channel: suppression.channel,
    address: suppression.address,
    personId,
    reason: suppression.reason === 'bounced-address' ? 'permanent-bounce' : 'complaint',
    at: suppression.occurredAt,
    actor: 'provider',
  };
  return {
    stream: streamName.contactPreference(keys, suppression.channel, suppression.address),
    event: {
      id: deterministicUuid('suppression', suppression.channel, suppression.address, suppression.reportId),
      type: PREFERENCE_EVENT_TYPES.optedOut,
      data,
      metadata: { actor: 'provider', sourceId: suppression.reportId, causationId: callbackEventId, correlationId: callbackEventId },
    },
  };
}

/** Appends unless an event with the same id (or source id) is already in the stream; without a correlation of its own, it takes the stream's. */
async function appendOnce(store: EventStore, stream: StreamName, event: NewEvent): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const history = await readStreamToArray(store, stream);
    if (history.some((e) => e.id === event.id || (e.metadata.sourceId !== undefined && e.metadata.sourceId === event.metadata?.sourceId))) return;
    const correlationId = event.metadata?.correlationId ?? history[0]?.metadata.correlationId;
    const result = await store.append(stream, [correlationId ? { ...event, metadata: { ...event.metadata, correlationId } } : event], history.length === 0 ? 'no-stream' : BigInt(history.length - 1));
    if (result.ok) return;
  }
  throw new Error(`Could not record a provider callback's effect on ${stream}: the stream kept changing`);
}

/**
 * The person behind an address, from the most recent message we sent to it on that channel, found
 * by the address's keyed hash (the row keeps the address sealed). It only enriches the opt-out
 * (which applies to the address either way), so the read model as it stands is good enough.
 */
async function personFor(db: Kysely<ReadModelDatabase>, keys: Pick<LedgerKeys, 'contactHash'>, channel: Channel, address: string): Promise<string | null> {
  const row = await db
    .selectFrom('notifications')
    .select('recipient_id')
    .where('channel', '=', channel)
    .where('recipient_address_hash', '=', contactHash(keys, contactKindOf(channel), address))
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.recipient_id ?? null;
}
