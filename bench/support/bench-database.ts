import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where benchmarks create their scratch databases; the same server the tests use. */
export const BENCH_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one benchmark run; drop it when the run ends, whatever happened. */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `cnl_b_${label}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`create database "${name}"`);
  const url = new URL(BENCH_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`drop database if exists "${name}" with (force)`),
  };
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}
