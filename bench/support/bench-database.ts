import { createTestDatabase, type TestDatabase } from '../../test/support/databases.ts';

export type BenchDatabase = TestDatabase;

/** A fresh, empty database for one benchmark run, on the server the tests use; drop it when the run ends. */
export const createBenchDatabase = (label: string): Promise<BenchDatabase> => createTestDatabase(`cnl_b_${label}`);
