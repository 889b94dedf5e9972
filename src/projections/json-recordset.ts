import { sql, type AliasedRawBuilder } from 'kysely';

/** PostgreSQL types of a recordset's columns, in order. */
export type RecordsetColumns = Record<string, string>;

/**
 * Rows sent as one JSON parameter and read back as a typed table `alias`: many rows in one
 * statement, whatever their number, through the query builder (so a rebuild's schema applies to
 * the tables it names).
 */
export function jsonRecordset<Row extends object, A extends string>(rows: readonly object[], columns: RecordsetColumns, alias: A): AliasedRawBuilder<Row, A> {
  const definition = sql.raw(Object.entries(columns).map(([name, type]) => `${name} ${type}`).join(', '));
  return sql<Row>`(select * from json_to_recordset(${JSON.stringify(rows)}::json) as r(${definition}))`.as(alias);
}

/** The columns an insert from `recordsetRows` fills, in the recordset's order. */
export const recordsetColumns = <C extends RecordsetColumns>(columns: C) => Object.keys(columns) as (keyof C & string)[];

/** The rows as a select to insert from: `insertInto(t).columns(recordsetColumns(c)).expression(recordsetRows(rows, c))`. */
export const recordsetRows = (rows: readonly object[], columns: RecordsetColumns) =>
  sql`select ${sql.join(Object.keys(columns).map((c) => sql.ref(c)))} from ${jsonRecordset(rows, columns, 'v')}`;
