import { sql, type Kysely } from 'kysely';
import type { Service } from '../../src/service.ts';

/** The tables (read models, ledger, key store) with a row whose text holds `needle`: what a dump of the database would show. */
export async function tablesContaining<DB>(db: Kysely<DB>, needle: string): Promise<string[]> {
  const { rows: tables } = await sql<{ name: string }>`
    select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables
     where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
  const found: string[] = [];
  for (const { name } of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.raw(name)} t where t::text like ${`%${needle}%`}`.execute(db);
    if (rows[0]!.n > 0) found.push(name);
  }
  return found;
}

/** Until every projection has applied what the ledger held when asked. */
export async function settle(service: Pick<Service, 'store' | 'whenProcessed'>): Promise<void> {
  const head = await service.store.headPosition();
  if (head) await service.whenProcessed(head);
}
