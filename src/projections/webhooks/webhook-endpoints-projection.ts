import type { Transaction } from 'kysely';
import { categoryOf } from '../../domain/stream-name.ts';
import { evolveWebhookEndpoint, type WebhookEndpoint, type WebhookEndpointState } from '../../domain/webhooks/webhook-endpoint.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { Projection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { loadWebhookEndpoints, saveWebhookEndpoints } from './webhook-endpoints.queries.ts';

/** Webhook endpoints as their streams tell them, folded with the same evolve the commands decide with. */
export const webhookEndpointsProjection: Projection = {
  name: 'webhook-endpoints',
  kind: 'read-model',
  // With the webhook outbox: the sender it wakes reads each endpoint's secrets and state from here,
  // so they must be as of the batch the outbox queued from (a rotation, a disabling in the same batch).
  commitsFirst: true,
  handles: (e) => categoryOf(e.stream) === 'webhook-endpoint',
  async applyAll(trx: Transaction<ReadModelDatabase>, events: readonly RecordedEvent[]) {
    const ids = [...new Set(events.map((e) => (e.data as { endpointId: string }).endpointId))];
    const current = new Map<string, WebhookEndpointState>((await loadWebhookEndpoints(trx, ids)).map((e) => [e.endpointId, e]));
    for (const event of events) {
      const id = (event.data as { endpointId: string }).endpointId;
      const before = current.get(id) ?? null;
      // A batch applied again after a crash: events the row already shows change nothing.
      if (before && Number(event.revision) < before.version) continue;
      current.set(id, evolveWebhookEndpoint(before, event));
    }
    await saveWebhookEndpoints(trx, [...current.values()].filter((e): e is WebhookEndpoint => e !== null));
  },
};
