import { sql, type Kysely } from 'kysely';
import type { SigningSecret, WebhookEndpoint, WebhookEventKind, DisabledReason } from '../../domain/webhooks/webhook-endpoint.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

/** These endpoints as the read model holds them (all of them when `ids` is absent), oldest first. */
export async function loadWebhookEndpoints(db: Db, ids?: readonly string[]): Promise<WebhookEndpoint[]> {
  if (ids?.length === 0) return [];
  let query = db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('endpoint_id');
  if (ids) query = query.where('endpoint_id', '=', sql<string>`any(${ids}::text[])`);
  const rows = await query.execute();
  return rows.map((r) => ({
    endpointId: r.endpoint_id,
    url: r.url,
    eventKinds: r.event_kinds as WebhookEventKind[],
    description: r.description,
    includeContacts: r.include_contacts,
    enabled: r.enabled,
    disabledReason: r.disabled_reason as DisabledReason | null,
    secrets: r.secrets as SigningSecret[],
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    version: r.version,
  }));
}

export async function saveWebhookEndpoints(db: Db, endpoints: readonly WebhookEndpoint[]): Promise<void> {
  if (endpoints.length === 0) return;
  const rows = endpoints.map((e) => ({
    endpoint_id: e.endpointId,
    url: e.url,
    event_kinds: JSON.stringify(e.eventKinds),
    description: e.description,
    include_contacts: e.includeContacts,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    secrets: JSON.stringify(e.secrets),
    created_by: e.createdBy,
    created_at: e.createdAt,
    version: e.version,
  }));
  await db
    .insertInto('webhook_endpoints')
    .values(rows)
    .onConflict((oc) => oc.column('endpoint_id').doUpdateSet({
      enabled: sql`excluded.enabled`,
      disabled_reason: sql`excluded.disabled_reason`,
      secrets: sql`excluded.secrets`,
      version: sql`excluded.version`,
    }).where(sql<boolean>`webhook_endpoints.version < excluded.version`))
    .execute();
}
