import { sql, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import type { NotificationStatus } from '../../domain/notifications/notification-events.ts';
import type { FoldedNotification } from './notification-row-fold.ts';
import { jsonRecordset, recordsetColumns, recordsetRows } from '../json-recordset.ts';
import type { NotificationTable, ReadModelDatabase } from '../read-model-database.ts';

type Trx = Transaction<ReadModelDatabase>;

/**
 * The rows of these notifications as the projection last left them, locked for this transaction.
 * Locks are taken in id order, so two instances applying the same batch never wait on each other
 * in a cycle.
 */
export async function lockNotificationRows(trx: Trx, ids: readonly string[]): Promise<Map<string, FoldedNotification>> {
  const rows = await trx
    .selectFrom('notifications')
    .select([
      'notification_id', 'status', 'attempts', 'possible_duplicate', 'provider', 'provider_message_id',
      'last_error_code', 'last_error', 'due_at', 'updated_at', 'applied_revision',
    ])
    .where('notification_id', '=', sql<string>`any(${[...ids]}::uuid[])`)
    .orderBy('notification_id')
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.notification_id, foldedRowOf(r)]));
}

/** A notification's row as the deliveries read model left it, as the fold starts from it. */
export function foldedRowOf(r: Pick<Selectable<NotificationTable>, 'notification_id' | 'status' | 'attempts' | 'possible_duplicate' | 'provider'
  | 'provider_message_id' | 'last_error_code' | 'last_error' | 'due_at' | 'updated_at' | 'applied_revision'>): FoldedNotification {
  return {
    notification_id: r.notification_id,
    identity: null,
    status: r.status as NotificationStatus,
    attempts: r.attempts,
    possible_duplicate: r.possible_duplicate,
    provider: r.provider,
    provider_message_id: r.provider_message_id,
    last_error_code: r.last_error_code,
    last_error: r.last_error,
    due_at: r.due_at === null ? null : new Date(r.due_at).toISOString(),
    due_at_set: false,
    updated_at: new Date(r.updated_at).toISOString(),
    applied_revision: BigInt(r.applied_revision),
  };
}

const progressColumns = (n: FoldedNotification) => ({
  notification_id: n.notification_id,
  status: n.status,
  attempts: n.attempts,
  possible_duplicate: n.possible_duplicate,
  provider: n.provider,
  provider_message_id: n.provider_message_id,
  last_error_code: n.last_error_code,
  last_error: n.last_error,
  due_at: n.due_at,
  updated_at: n.updated_at,
  applied_revision: n.applied_revision.toString(),
});

/**
 * Progress and identity in one object: assigned onto the progress columns, not spread from both
 * into a new object, which was ten times slower and left ~10 KB of garbage a row.
 */
const newRowColumns = (n: FoldedNotification) => Object.assign(progressColumns(n), n.identity!);

const PROGRESS_COLUMNS = {
  notification_id: 'uuid', status: 'text', attempts: 'integer', possible_duplicate: 'boolean', provider: 'text',
  provider_message_id: 'text', last_error_code: 'text', last_error: 'text', due_at: 'timestamptz',
  updated_at: 'timestamptz', applied_revision: 'bigint',
} as const;

const NEW_ROW_COLUMNS = {
  ...PROGRESS_COLUMNS,
  event_id: 'text', event_type: 'text', centre_id: 'text', booking_reference: 'text', appointment_id: 'text',
  channel: 'text', recipient_kind: 'text', recipient_id: 'text', recipient_address: 'text', recipient_address_hash: 'text', locale: 'text',
  template_key: 'text', template_version: 'integer', selection: 'jsonb', suppression_reason: 'text', created_at: 'timestamptz',
  fallback_of: 'text',
} as const;

/**
 * New rows written in the statement of the appends that start them (`appended`, see the ledger's
 * `appendEachWith`): each only where its append (`ord`) was made, stamped with the statement's time,
 * which is its events' recorded time, to the millisecond as the lane stamps it from the event (a
 * JavaScript date). A row already there (another instance first) is left as it is. Those of `claim`'s
 * appends are written claimed for its worker until its time, as a claim leaves them.
 */
export function insertRowsWithAppends(
  rows: readonly { ord: number; row: FoldedNotification }[],
  claim: { worker: string; until: Date; ords: ReadonlySet<number> } | null = null,
): RawBuilder<unknown> {
  const records = [...rows]
    .sort((a, b) => (a.row.notification_id < b.row.notification_id ? -1 : 1))
    .map(({ ord, row }) => {
      const claimed = claim?.ords.has(ord) ? { locked_by: claim.worker, locked_until: claim.until.toISOString() } : { locked_by: null, locked_until: null };
      return Object.assign(newRowColumns(row), { ord }, claimed);
    });
  const columns = [...recordsetColumns(NEW_ROW_COLUMNS), 'locked_by', 'locked_until'];
  const stamped = new Set(['created_at', 'updated_at']);
  return sql`
    insert into notifications (${sql.join(columns.map((c) => sql.ref(c)))})
    select ${sql.join(columns.map((c) => (stamped.has(c) ? sql`date_trunc('milliseconds', now())` : sql.ref(`v.${c}`))))}
      from ${jsonRecordset(records, { ...NEW_ROW_COLUMNS, ord: 'bigint', locked_by: 'text', locked_until: 'timestamptz' }, 'v')}
      join appended a on a.ord = v.ord and a.ok
    on conflict (notification_id) do nothing`;
}

/** New rows, in id order, in one statement; answers the ids it inserted (another instance may have been first). */
export async function insertNotificationRows(trx: Trx, rows: readonly FoldedNotification[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const records = [...rows]
    .sort((a, b) => (a.notification_id < b.notification_id ? -1 : 1))
    .map(newRowColumns);
  const inserted = await trx
    .insertInto('notifications')
    .columns(recordsetColumns(NEW_ROW_COLUMNS))
    .expression(recordsetRows(records, NEW_ROW_COLUMNS))
    .onConflict((oc) => oc.column('notification_id').doNothing())
    .returning('notification_id')
    .execute();
  return new Set(inserted.map((r) => r.notification_id));
}

/** Rows already there, moved on to what the batch left them at, in one statement. */
export async function updateNotificationRows(trx: Trx, rows: readonly FoldedNotification[]): Promise<void> {
  if (rows.length === 0) return;
  const records = rows.map((n) => ({ ...progressColumns(n), due_at_set: n.due_at_set }));
  await trx
    .updateTable('notifications as n')
    .from(jsonRecordset(records, { ...PROGRESS_COLUMNS, due_at_set: 'boolean' }, 'v'))
    .set({
      status: sql`v.status`,
      attempts: sql`v.attempts`,
      possible_duplicate: sql`v.possible_duplicate`,
      provider: sql`v.provider`,
      provider_message_id: sql`v.provider_message_id`,
      last_error_code: sql`v.last_error_code`,
      last_error: sql`v.last_error`,
      due_at: sql`case when v.due_at_set then v.due_at else n.due_at end`,
      updated_at: sql`v.updated_at`,
      applied_revision: sql`v.applied_revision`,
    })
    .where(sql<boolean>`n.notification_id = v.notification_id and n.applied_revision < v.applied_revision`)
    .execute();
}
