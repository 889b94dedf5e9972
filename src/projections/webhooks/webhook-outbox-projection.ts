import type { Transaction } from 'kysely';
import { CONVERSATION_EVENT_TYPES, type PatientMessageReceived } from '../../domain/conversations/conversation-events.ts';
import type { PersonErased } from '../../domain/erasure/person-erased.ts';
import { EVENT_DEAD_LETTERED, type EventDeadLettered } from '../../domain/intake/dead-letter-events.ts';
import type { LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import { isCell, sealedAt } from '../../domain/keys/sealed-cell.ts';
import { NOTIFICATION_EVENT_TYPES, type FallbackPlanned } from '../../domain/notifications/notification-events.ts';
import { SERVICE_WIDE_CENTRE, STAFF_ROUTING_EVENT_TYPES, type StaffEventUnrouted } from '../../domain/staff-routing/staff-routing-events.ts';
import { categoryOf, idOf, type StreamCategory } from '../../domain/stream-name.ts';
import { webhookMessageId } from '../../domain/webhooks/outbound-signature.ts';
import { WEBHOOK_DELIVERY_EVENT_TYPES, type WebhookDeliveryAttempted } from '../../domain/webhooks/webhook-delivery-events.ts';
import {
  WEBHOOK_ENDPOINT_EVENT_TYPES as E,
  type WebhookDeliveriesReplayRequested,
  type WebhookEndpointCreated,
  type WebhookEventKind,
} from '../../domain/webhooks/webhook-endpoint.ts';
import {
  deadLetteredMessage,
  notificationMessages,
  patientRepliedMessage,
  unroutedMessage,
  webhookBody,
  type NotificationFacts,
  type NotificationStanding,
  type WebhookMessageDraft,
} from '../../domain/webhooks/webhook-messages.ts';
import { formatPosition, type RecordedEvent } from '../../ledger/event-store.ts';
import { addressHashUnder, foldNotificationEvent, type AddressHash, type FoldedNotification } from '../deliveries/notification-row-fold.ts';
import { isPersonErased } from '../erasure/scrub-on-erasure.ts';
import type { ReadModelProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import type { Logger } from '../../telemetry/logger.ts';
import {
  applyAttempts,
  eraseFromDeliveries,
  loadSubscriptions,
  loadTrackedNotifications,
  queueDeliveries,
  replayDeliveries,
  saveSubscriptions,
  type QueuedDelivery,
  type TrackedNotification,
  type WebhookSubscription,
} from './webhook-deliveries.queries.ts';

type Trx = Transaction<ReadModelDatabase>;

const NOTIFICATION_TYPES = new Set<string>(Object.values(NOTIFICATION_EVENT_TYPES));

/** The events the outbox reads, by stream category: the endpoints, the attempts, and what a webhook reports. */
const HANDLED: Partial<Record<StreamCategory, (type: string) => boolean>> = {
  'webhook-endpoint': () => true,
  'webhook-delivery': (type) => type === WEBHOOK_DELIVERY_EVENT_TYPES.attempted,
  notification: (type) => NOTIFICATION_TYPES.has(type),
  conversation: (type) => type === CONVERSATION_EVENT_TYPES.messageReceived,
  'dead-letter': (type) => type === EVENT_DEAD_LETTERED,
  'staff-routing': (type) => type === STAFF_ROUTING_EVENT_TYPES.unrouted,
};

const ownStream = (category: StreamCategory | null) => category === 'webhook-endpoint' || category === 'webhook-delivery';

export interface WebhookOutboxOptions {
  /** For the notifications it folds as the deliveries read model does (their addresses' keyed hashes). */
  keys: Pick<LedgerKeys, 'contactHash'>;
  logger: Logger;
  /** Told after a commit that queued messages or moved some on: the sender's wake-up. */
  onQueued?: () => void;
}

/**
 * The outbox of webhooks to clinic systems, as a read model: for each event a webhook reports and
 * each endpoint enabled and subscribed to its kind at that event's ledger position, one message in
 * `webhook_deliveries`, its body built once, as it will be signed and sent once opened; then each
 * recorded attempt moves its message on. Endpoints are folded here, in ledger order, so a message is
 * queued for the endpoints as they stood at its event, and a rebuild queues the same ones.
 *
 * It runs in the read models' transaction, listed before the deliveries read model, so the
 * notifications it reads are as of the batch's start and the status before each event is known.
 *
 * Bodies keep what is personal sealed, as cells copied from the events (sealed-webhook-body.ts); the
 * sender opens them, and they open to `[erased]` once the person's keys are gone. Bodies kept in clear
 * before cells are scrubbed on a PersonErased, in ledger order within the batch.
 *
 * While no endpoint is enabled, a batch costs one look at a flag: nothing is read or written
 * (but for an erasure, which scrubs what is kept).
 */
export function webhookOutboxProjection(options: WebhookOutboxOptions): ReadModelProjection {
  const hashOf = addressHashUnder(options.keys);
  // Whether any endpoint is enabled as of the last batch committed; null until the first batch looks.
  let anyEnabled: boolean | null = null;
  let afterBatch: { anyEnabled: boolean | null; queued: boolean } = { anyEnabled: null, queued: false };
  return {
    name: 'webhook-outbox',
    kind: 'read-model',
    // In the deliveries read model's transaction, before it: each message's status before the batch.
    commitsFirst: true,
    handles: (e) => {
      const category = categoryOf(e.stream);
      return isPersonErased(e) || (category !== null && (HANDLED[category]?.(e.type) ?? false));
    },
    async applyAll(trx: Trx, events: readonly RecordedEvent[]) {
      afterBatch = { anyEnabled, queued: false };
      if (anyEnabled === false && !events.some((e) => ownStream(categoryOf(e.stream)) || isPersonErased(e))) return;
      const outbox = new OutboxBatch(trx, await loadSubscriptions(trx), options.logger, hashOf);
      await outbox.apply(events);
      afterBatch = { anyEnabled: outbox.anyEnabled(), queued: outbox.queued };
    },
    // Only what was committed counts: a failed batch is applied again from the flag as it was.
    afterCommit: () => {
      anyEnabled = afterBatch.anyEnabled;
      if (afterBatch.queued) options.onQueued?.();
    },
  };
}

/** One batch: endpoints, notifications and writes, applied in ledger order. */
class OutboxBatch {
  readonly #trx: Trx;
  readonly #subscriptions: Map<string, WebhookSubscription>;
  readonly #logger: Logger;
  readonly #hashOf: AddressHash;
  readonly #changed = new Set<string>();
  #notifications: Map<string, TrackedNotification> | null = null;
  #deliveries: QueuedDelivery[] = [];
  #attempts: WebhookDeliveryAttempted[] = [];
  queued = false;

  constructor(trx: Trx, subscriptions: Map<string, WebhookSubscription>, logger: Logger, hashOf: AddressHash) {
    this.#trx = trx;
    this.#subscriptions = subscriptions;
    this.#logger = logger;
    this.#hashOf = hashOf;
  }

  anyEnabled(): boolean {
    return [...this.#subscriptions.values()].some((s) => s.enabled);
  }

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    await this.#loadNotifications(events);
    for (const event of events) {
      const category = categoryOf(event.stream);
      if (category === 'webhook-endpoint') await this.#endpointEvent(event);
      else if (category === 'webhook-delivery') this.#attempted(event.data as WebhookDeliveryAttempted);
      else if (isPersonErased(event)) await this.#erased(event.data as PersonErased);
      else this.#queue(event, this.#messagesOf(event, category));
    }
    await this.#flush();
    await saveSubscriptions(this.#trx, [...this.#changed].map((id) => this.#subscriptions.get(id)!));
  }

  /**
   * The notifications this batch's events are about (and the originals of fallbacks), in one query,
   * when some endpoint may hear about notifications: otherwise their events make nothing here.
   */
  async #loadNotifications(events: readonly RecordedEvent[]): Promise<void> {
    const mayHear = [...this.#subscriptions.values()].some((s) => s.eventKinds.some((k) => k.startsWith('notification.')))
      || events.some((e) => e.type === E.created);
    if (!mayHear) return;
    const ids = new Set<string>();
    for (const event of events) {
      if (categoryOf(event.stream) !== 'notification') continue;
      ids.add(idOf(event.stream)!);
      if (event.type === NOTIFICATION_EVENT_TYPES.fallbackPlanned) ids.add((event.data as FallbackPlanned).fallbackOf);
    }
    this.#notifications = await loadTrackedNotifications(this.#trx, [...ids]);
  }

  async #endpointEvent(event: RecordedEvent): Promise<void> {
    const { endpointId } = event.data as { endpointId: string };
    const current = this.#subscriptions.get(endpointId);
    // Already applied (a batch repeated after a crash, or another instance first).
    if (current ? Number(event.revision) < current.version : event.type !== E.created) return;
    let next: WebhookSubscription;
    switch (event.type) {
      case E.created: {
        const c = event.data as WebhookEndpointCreated;
        next = { endpointId, eventKinds: c.eventKinds, includeContacts: c.includeContacts, enabled: true, version: 1, failingSince: null };
        break;
      }
      case E.disabled:
        next = { ...current!, enabled: false, version: current!.version + 1 };
        break;
      // Enabled again after a fix: failing is counted afresh.
      case E.enabled:
        next = { ...current!, enabled: true, failingSince: null, version: current!.version + 1 };
        break;
      case E.deliveriesReplayRequested: {
        next = { ...current!, version: current!.version + 1 };
        // Messages queued earlier in this batch are replayed too.
        await this.#flush();
        await replayDeliveries(this.#trx, endpointId, new Date((event.data as WebhookDeliveriesReplayRequested).from));
        this.queued = true;
        break;
      }
      default:
        next = { ...current!, version: current!.version + 1 };
    }
    this.#subscriptions.set(endpointId, next);
    this.#changed.add(endpointId);
  }

  /** An attempt moves its message on, and tells whether its endpoint is failing. */
  #attempted(attempt: WebhookDeliveryAttempted): void {
    this.#attempts.push(attempt);
    const subscription = this.#subscriptions.get(attempt.endpointId);
    if (!subscription) return;
    const failingSince = attempt.outcome === 'delivered' ? null : (subscription.failingSince ?? new Date(attempt.at).toISOString());
    if (failingSince === subscription.failingSince) return;
    this.#subscriptions.set(attempt.endpointId, { ...subscription, failingSince });
    this.#changed.add(attempt.endpointId);
  }

  /**
   * What was queued so far holding the person's data in clear (before bodies kept cells) now reads
   * `[erased]`, and so do the notifications to them this batch still folds with a clear address (the
   * deliveries read model scrubs its rows after this lane, in the same transaction). Cells need
   * nothing: their keys are gone.
   */
  async #erased(erased: PersonErased): Promise<void> {
    await this.#flush();
    await eraseFromDeliveries(this.#trx, erased);
    for (const [id, tracked] of this.#notifications ?? []) {
      const { recipient } = tracked.facts;
      if (recipient.kind !== erased.kind || recipient.id !== erased.id || recipient.address === null || isCell(recipient.address)) continue;
      this.#notifications!.set(id, { ...tracked, facts: { ...tracked.facts, recipient: { ...recipient, address: ERASED } } });
    }
  }

  #messagesOf(event: RecordedEvent, category: StreamCategory | null): WebhookMessageDraft[] {
    switch (category) {
      case 'notification':
        return this.#notificationMessages(event);
      case 'conversation': {
        // The words as the event keeps them: sealed.
        const received = { ...(event.data as PatientMessageReceived), text: sealedAt<string | null>(event, ['text']) };
        const message = patientRepliedMessage(received);
        return message ? [message] : [];
      }
      case 'dead-letter':
        return [deadLetteredMessage(idOf(event.stream)!, event.data as EventDeadLettered)];
      case 'staff-routing':
        return [unroutedMessage(event.data as StaffEventUnrouted, SERVICE_WIDE_CENTRE)];
      default:
        return [];
    }
  }

  /** The event folded onto its notification as the deliveries read model folds it: the status before and after. */
  #notificationMessages(event: RecordedEvent): WebhookMessageDraft[] {
    const notifications = this.#notifications;
    if (!notifications) return [];
    const id = idOf(event.stream)!;
    // A stream's first event is folded from nothing: its row may already stand, written with the
    // plan in the plan's own transaction (InlineDeliveries), and a row never holds its own start.
    const tracked = event.revision === 0n ? null : (notifications.get(id) ?? null);
    const before = tracked?.row ?? null;
    const after = foldNotificationEvent(before, id, event, this.#hashOf);
    let facts = tracked?.facts ?? null;
    if (after && !facts && after.identity) facts = factsOf(after);
    if (after && facts) notifications.set(id, { row: after, facts });
    const original = event.type === NOTIFICATION_EVENT_TYPES.fallbackPlanned ? (notifications.get((event.data as FallbackPlanned).fallbackOf)?.facts ?? null) : null;
    const source = { type: event.type, data: event.data, revision: Number(event.revision), ledger: formatPosition(event.position), recordedAt: event.recordedAt };
    return notificationMessages(source, facts, standingOf(before), standingOf(after), original);
  }

  /** One message per draft for every endpoint enabled and subscribed to its kind now, each body built for that endpoint. */
  #queue(event: RecordedEvent, drafts: readonly WebhookMessageDraft[]): void {
    if (drafts.length === 0) return;
    const bodies = drafts.map(() => new Map<boolean, string | null>());
    for (const subscription of this.#subscriptions.values()) {
      if (!subscription.enabled) continue;
      for (const [i, draft] of drafts.entries()) {
        if (!subscription.eventKinds.includes(draft.kind)) continue;
        const cached = bodies[i]!;
        if (!cached.has(subscription.includeContacts)) cached.set(subscription.includeContacts, this.#bodyOf(draft, subscription.includeContacts, event));
        const body = cached.get(subscription.includeContacts);
        if (!body) continue;
        this.#deliveries.push({
          messageId: webhookMessageId(subscription.endpointId, draft.kind, event.id),
          endpointId: subscription.endpointId,
          kind: draft.kind as WebhookEventKind,
          sourceEventId: event.id,
          sourceCommit: event.position.commit.toString(),
          sourcePrepare: event.position.prepare.toString(),
          eventAt: draft.at,
          body,
        });
      }
    }
  }

  /**
   * A body that does not fit its published schema is a bug in this file: it is left out and logged
   * rather than thrown, which would hold up every read model at this batch until a release.
   */
  #bodyOf(draft: WebhookMessageDraft, includeContacts: boolean, event: RecordedEvent): string | null {
    try {
      return webhookBody(draft, includeContacts);
    } catch (error) {
      this.#logger.error({ err: error, kind: draft.kind, sourceEventId: event.id, stream: event.stream }, 'webhook message does not fit its schema: not queued');
      return null;
    }
  }

  async #flush(): Promise<void> {
    if (this.#deliveries.length > 0 || this.#attempts.length > 0) this.queued = true;
    await queueDeliveries(this.#trx, this.#deliveries);
    await applyAttempts(this.#trx, this.#attempts);
    this.#deliveries = [];
    this.#attempts = [];
  }
}

function factsOf(row: FoldedNotification): NotificationFacts {
  const i = row.identity!;
  return {
    notificationId: row.notification_id,
    eventId: i.event_id,
    eventType: i.event_type,
    centreId: i.centre_id,
    bookingReference: i.booking_reference,
    appointmentId: i.appointment_id,
    channel: i.channel as NotificationFacts['channel'],
    recipient: { kind: i.recipient_kind as NotificationFacts['recipient']['kind'], id: i.recipient_id, address: i.recipient_address },
    fallbackOf: i.fallback_of,
  };
}

const standingOf = (row: FoldedNotification | null): NotificationStanding | null =>
  row && {
    status: row.status,
    attempts: row.attempts,
    provider: row.provider,
    providerMessageId: row.provider_message_id,
    lastErrorCode: row.last_error_code,
    lastError: row.last_error,
  };
