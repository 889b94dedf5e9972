import pg from 'pg';

/** Durable single-row INSERTs through pg over `connections` clients: the floor every ledger write stands on. */
export async function rawInsertRate(url: string, rows = 5000, connections = 10): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  try {
    await pool.query('create table if not exists bench_raw_insert (id bigint generated always as identity primary key, body jsonb not null)');
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, async () => {
      while (next < rows) {
        next++;
        await pool.query('insert into bench_raw_insert (body) values ($1)', [{ n: next, kind: 'baseline' }]);
      }
    }));
    return rows / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}

/** Keyset-paginated reads of `rows` rows in pages of 1000: the floor of any catch-up or rebuild. */
export async function rawKeysetReadRate(url: string, rows = 100_000): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table if not exists bench_raw_read (id bigint primary key, body jsonb not null)');
    await client.query(`insert into bench_raw_read select g, jsonb_build_object('n', g, 'kind', 'baseline') from generate_series(1, $1) g on conflict do nothing`, [rows]);
    let after = 0;
    let read = 0;
    const started = performance.now();
    for (;;) {
      const { rows: page } = await client.query<{ id: string; body: unknown }>('select id, body from bench_raw_read where id > $1 order by id limit 1000', [after]);
      if (page.length === 0) break;
      read += page.length;
      after = Number(page.at(-1)!.id);
    }
    return read / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
