import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_ledger.ts';
import * as m0002 from './0002_single_row_ledger_append.ts';
import * as m0003 from './0003_create_person_keys.ts';
import * as m0004 from './0004_ledger_rows_inline.ts';

/** Frozen, numbered, in order. Never edit one after it has shipped: add the next. */
export const ledgerMigrations: Record<string, Migration> = {
  '0001_create_ledger': m0001,
  '0002_single_row_ledger_append': m0002,
  '0003_create_person_keys': m0003,
  '0004_ledger_rows_inline': m0004,
};
