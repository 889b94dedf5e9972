import { createTestDatabase, type TestDatabase } from '../../test/support/databases.ts';

export type BenchDatabase = TestDatabase;

/** A fresh, empty database for one benchmark run, on the server the tests use; drop it when the run ends. */
export const createBenchDatabase = (label: string): Promise<BenchDatabase> => createTestDatabase(`cnl_b_${label}`);

/** The master key of every benchmark service: fixed, not a secret. */
export const BENCH_MASTER_KEY = Buffer.alloc(32, 11).toString('base64');
