import { sql, type Kysely } from 'kysely';
import type { ChannelPolicy, ChannelPolicySet, PolicyInForce } from '../../domain/notifications/channel-policy.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

const EVERY_CENTRE = '';

/** The latest policy per (event type, centre); a repeated batch writes the same row again. */
export async function saveChannelPolicy(db: Db, set: ChannelPolicySet, version: number, position: LedgerPosition): Promise<void> {
  const values = {
    policy: JSON.stringify(set.policy),
    version,
    actor: set.actor,
    set_at: set.at,
    last_commit: position.commit.toString(),
    last_prepare: position.prepare.toString(),
  };
  await db
    .insertInto('channel_policies')
    .values({ event_type: set.eventType, centre_id: set.centreId ?? EVERY_CENTRE, ...values })
    .onConflict((oc) => oc
      .columns(['event_type', 'centre_id'])
      .doUpdateSet(values)
      .where(sql<boolean>`(channel_policies.last_commit, channel_policies.last_prepare) < (excluded.last_commit, excluded.last_prepare)`))
    .execute();
}

/** Every policy admins set, by `eventType|centreId` ('' for every centre): a handful of rows. */
export async function loadChannelPolicies(db: Db): Promise<Map<string, PolicyInForce>> {
  const rows = await db.selectFrom('channel_policies').select(['event_type', 'centre_id', 'policy', 'version']).execute();
  return new Map(rows.map((r) => [channelPolicyKey(r.event_type, r.centre_id), { policy: r.policy as ChannelPolicy, version: r.version }]));
}

/** The policies admins set, for the API: each with who set it and when. */
export async function listChannelPolicies(db: Db): Promise<{ eventType: string; centreId: string | null; policy: ChannelPolicy; version: number; actor: string; setAt: Date }[]> {
  const rows = await db.selectFrom('channel_policies').selectAll().orderBy('event_type').orderBy('centre_id').execute();
  return rows.map((r) => ({
    eventType: r.event_type,
    centreId: r.centre_id === EVERY_CENTRE ? null : r.centre_id,
    policy: r.policy as ChannelPolicy,
    version: r.version,
    actor: r.actor,
    setAt: new Date(r.set_at as unknown as string),
  }));
}

export const channelPolicyKey = (eventType: string, centreId: string | null): string => `${eventType}|${centreId ?? EVERY_CENTRE}`;
