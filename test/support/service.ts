import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { startService, type Service, type ServiceOverrides } from '../../src/service.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';
import { TEST_MASTER_KEY } from './env.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const AUDITOR_TOKEN = 'test-auditor-token-0123456789';
export const DASHBOARD_TOKEN = 'test-dashboard-token-0123456789';
export const INGEST_TOKEN = 'test-ingest-token-0123456789';
/** The front desk of the fixtures' centre (centre-blr), and of another one. */
export const FRONTDESK_TOKEN = 'test-frontdesk-blr-token-0123456789';
export const OTHER_FRONTDESK_TOKEN = 'test-frontdesk-mys-token-0123456789';

export const TEST_API_TOKENS = [
  `alice-admin:admin:${ADMIN_TOKEN}`,
  `audrey-auditor:auditor:${AUDITOR_TOKEN}`,
  `wall-dashboard:dashboard:${DASHBOARD_TOKEN}`,
  `his-ingest:ingest:${INGEST_TOKEN}`,
  `desk-blr:frontdesk:${FRONTDESK_TOKEN}:centre-blr`,
  `desk-mysuru:frontdesk:${OTHER_FRONTDESK_TOKEN}:centre-mysuru|centre-hubli`,
].join(',');

export interface TestService extends Service {
  database: TestDatabase;
}

/** The service in this process, on its own fresh database, on a free port. */
export async function startTestService(
  overrides: ServiceOverrides & { env?: Record<string, string>; database?: TestDatabase } = {},
): Promise<TestService> {
  const database = overrides.database ?? (await createTestDatabase());
  const config = loadConfig({
    DATABASE_URL: database.url,
    API_TOKENS: TEST_API_TOKENS,
    LEDGER_MASTER_KEY: TEST_MASTER_KEY,
    LOG_LEVEL: 'silent',
    CHANNELS_SANDBOX: 'all',
    DATA_DIR: `/tmp/cnl-unused-${randomUUID()}`,
    ...overrides.env,
  });
  // Tests read what the sandbox transports sent; a running service keeps none.
  const service = await startService(config, { logger: silentLogger(), port: 0, sandboxKeep: 10_000, ...overrides });
  const stop = async () => {
    await service.stop();
    if (!overrides.database) await database.drop();
  };
  return { ...service, database, stop };
}
