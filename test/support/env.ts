export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const KURRENTDB_URL = process.env.KURRENTDB_URL;
/** The master key of every test service on PostgreSQL: fixed, so a restarted service derives the same keys. Not a secret. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
