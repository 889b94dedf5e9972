import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('the timeouts that bound a silent PostgreSQL and an unavailable ledger', () => {
  it('default to production values', () => {
    const config = loadConfig({});
    expect([config.PG_CONNECT_TIMEOUT_MS, config.PG_QUERY_TIMEOUT_MS, config.PG_KEEPALIVE_DELAY_MS]).toEqual([10_000, 30_000, 10_000]);
    expect([config.INTAKE_RECORD_TIMEOUT_MS, config.INTAKE_LEDGER_BACKOFF_MAX_MS]).toEqual([60_000, 30_000]);
  });

  it('are read from the environment', () => {
    const config = loadConfig({ PG_CONNECT_TIMEOUT_MS: '1000', PG_QUERY_TIMEOUT_MS: '2000', PG_KEEPALIVE_DELAY_MS: '5000', INTAKE_RECORD_TIMEOUT_MS: '3000', INTAKE_LEDGER_BACKOFF_MAX_MS: '2000' });
    expect([config.PG_CONNECT_TIMEOUT_MS, config.PG_QUERY_TIMEOUT_MS, config.PG_KEEPALIVE_DELAY_MS]).toEqual([1000, 2000, 5000]);
    expect([config.INTAKE_RECORD_TIMEOUT_MS, config.INTAKE_LEDGER_BACKOFF_MAX_MS]).toEqual([3000, 2000]);
  });

  it('refuse no limit at all, or a record wait past the broker consumer timeout, naming each variable', () => {
    const attempt = () => loadConfig({ PG_QUERY_TIMEOUT_MS: '0', PG_CONNECT_TIMEOUT_MS: 'soon', INTAKE_RECORD_TIMEOUT_MS: String(31 * 60_000) });
    expect(attempt).toThrow(ConfigError);
    expect(() => attempt()).toThrow(/PG_QUERY_TIMEOUT_MS[\s\S]*PG_CONNECT_TIMEOUT_MS|PG_CONNECT_TIMEOUT_MS[\s\S]*PG_QUERY_TIMEOUT_MS/);
    expect(() => attempt()).toThrow(/INTAKE_RECORD_TIMEOUT_MS/);
  });
});
