import { sql, type Kysely } from 'kysely';
import { cellKeyIds } from '../../domain/keys/sealed-cell.ts';
import { erasedStaffRecord } from '../../domain/keys/personal-data.ts';
import { sealedAt } from '../../domain/keys/sealed-cell.ts';
import { evolveStaffMember, type StaffMember, type StaffRole } from '../../domain/staff-routing/staff-directory.ts';
import type { LedgerPosition, RecordedEvent } from '../../ledger/event-store.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

/**
 * A member as the directory keeps them: roles, centres and the active flag in clear, the name and
 * contacts as the ledger sealed them (cells). Whatever shows or uses the name or a contact opens
 * the record with SealedCells first; every reader here answers it as kept.
 */
export type StoredStaffMember = StaffMember;

/** The record an upsert leaves, as the directory keeps it: its name and contacts copied sealed from the event. */
export function storedStaffMember(upserted: RecordedEvent): StoredStaffMember {
  const member = evolveStaffMember(null, upserted)!;
  return { ...member, name: sealedAt<string>(upserted, ['name']), contacts: sealedAt<StaffMember['contacts']>(upserted, ['contacts']) };
}

export interface StaffMemberView extends StaffMember {
  /** The stream revision of the latest change (0 for the first upsert). */
  revision: number;
  changedBy: string;
  changedAt: Date;
}

/** Rows recorded before `position` in the ledger's order (a version is in effect after its event). */
export const recordedBefore = (position: LedgerPosition) =>
  sql<boolean>`(commit_position, prepare_position) < (cast(${position.commit.toString()} as numeric), cast(${position.prepare.toString()} as numeric))`;

/** Keeps one version of a member's record; a repeated batch writes the same row again, harmlessly. */
export async function recordStaffMemberVersion(
  db: Db,
  v: { member: StoredStaffMember; revision: bigint; position: LedgerPosition; actor: string; at: string },
): Promise<void> {
  await db
    .insertInto('staff_member_versions')
    .values({
      staff_id: v.member.id,
      revision: v.revision.toString(),
      commit_position: v.position.commit.toString(),
      prepare_position: v.position.prepare.toString(),
      record: JSON.stringify(v.member),
      centre_ids: JSON.stringify(v.member.centreIds),
      active: v.member.active,
      actor: v.actor,
      changed_at: v.at,
    })
    .onConflict((oc) => oc.columns(['staff_id', 'revision']).doNothing())
    .execute();
}

/**
 * An erased member's versions recorded before `position`, kept in clear before cells, as an erased
 * read gives them (name and contacts `[erased]`; id, roles, centres and the active flag kept). Kept
 * as cells, they stay as they are: they open to `[erased]` now, and a rebuild copies the same.
 * Versions after it are new data under a new key, and stay.
 */
export async function scrubStaffMemberVersions(db: Db, staffId: string, position: LedgerPosition): Promise<void> {
  const rows = await db
    .selectFrom('staff_member_versions')
    .select(['revision', 'record'])
    .where('staff_id', '=', staffId)
    .where(recordedBefore(position))
    .execute();
  for (const row of rows) {
    if (cellKeyIds(row.record).size > 0) continue;
    const record = JSON.stringify(erasedStaffRecord(row.record as Record<string, unknown>));
    await db.updateTable('staff_member_versions').set({ record }).where('staff_id', '=', staffId).where('revision', '=', row.revision).execute();
  }
}

/** The member's record just before `revision` of their stream, as kept (sealed), or null. */
export async function staffMemberBefore(db: Db, staffId: string, revision: bigint): Promise<StoredStaffMember | null> {
  const row = await db
    .selectFrom('staff_member_versions')
    .select('record')
    .where('staff_id', '=', staffId)
    .where('revision', '<', revision.toString())
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? (row.record as StoredStaffMember) : null;
}

/**
 * Everyone a staff event at `centreId` could reach, as the directory stood just before `position`:
 * whoever ever worked at the centre, plus the members rules name. Evaluation then keeps those who
 * are active, and at the centre for role targets. Answered as kept (sealed).
 */
export async function staffCandidatesAsOf(db: Db, position: LedgerPosition, centreId: string | null, namedIds: readonly string[]): Promise<StoredStaffMember[]> {
  const rows = await db
    .selectFrom('staff_member_versions')
    .distinctOn('staff_id')
    .select('record')
    .where(recordedBefore(position))
    // Candidates are chosen over every version, then judged by their latest one before `position`:
    // filtering versions first would judge someone who left the centre by their older record.
    .where((eb) => {
      const everAtCentre = eb('staff_id', 'in', eb.selectFrom('staff_member_versions')
        .select('staff_id')
        .where(centreId === null ? sql<boolean>`true` : sql<boolean>`centre_ids @> jsonb_build_array(cast(${centreId} as text))`));
      return namedIds.length > 0 ? eb.or([everAtCentre, eb('staff_id', 'in', [...namedIds])]) : everAtCentre;
    })
    .orderBy('staff_id')
    .orderBy('commit_position', 'desc')
    .orderBy('prepare_position', 'desc')
    .execute();
  return rows.map((r) => r.record as StoredStaffMember);
}

/** The directory as the planner has applied it so far, as kept (sealed): the API's view once opened. */
export async function listStaffMembers(
  db: Db,
  filter: { centreId?: string | null; role?: StaffRole | null; includeInactive?: boolean } = {},
): Promise<StaffMemberView[]> {
  const rows = await db
    .selectFrom('staff_member_versions')
    .distinctOn('staff_id')
    .select(['record', 'revision', 'actor', 'changed_at'])
    .orderBy('staff_id')
    .orderBy('revision', 'desc')
    .execute();
  return rows
    .map((r) => ({ ...(r.record as StaffMember), revision: Number(r.revision), changedBy: r.actor, changedAt: new Date(r.changed_at) }))
    .filter((m) => (filter.includeInactive || m.active)
      && (!filter.centreId || m.centreIds.includes(filter.centreId))
      && (!filter.role || m.roles.includes(filter.role)));
}

/** A member's latest record, as kept (sealed). */
export async function findStaffMember(db: Db, staffId: string): Promise<StaffMemberView | null> {
  const row = await db
    .selectFrom('staff_member_versions')
    .select(['record', 'revision', 'actor', 'changed_at'])
    .where('staff_id', '=', staffId)
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { ...(row.record as StaffMember), revision: Number(row.revision), changedBy: row.actor, changedAt: new Date(row.changed_at) } : null;
}
