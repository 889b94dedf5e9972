import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { retentionCutoffMonth } from '../../src/ledger/person-key-store.ts';

describe('RETENTION_DAYS_CONTENT', () => {
  it('is unset by default, and empty counts as unset: content is kept', () => {
    expect(loadConfig({}).RETENTION_DAYS_CONTENT).toBeUndefined();
    expect(loadConfig({ RETENTION_DAYS_CONTENT: '' }).RETENTION_DAYS_CONTENT).toBeUndefined();
  });

  it('is read as a whole number of days', () => {
    expect(loadConfig({ RETENTION_DAYS_CONTENT: '365' }).RETENTION_DAYS_CONTENT).toBe(365);
  });

  it.each([
    ['0', /RETENTION_DAYS_CONTENT: must be at least 1 day/],
    ['-30', /RETENTION_DAYS_CONTENT: must be at least 1 day/],
    ['1.5', /RETENTION_DAYS_CONTENT: must be a whole number of days/],
    ['a year', /RETENTION_DAYS_CONTENT: must be a whole number of days/],
    ['100000', /RETENTION_DAYS_CONTENT: must be at most 36500 days/],
  ])('refuses %s, naming the variable', (value, problem) => {
    const attempt = () => loadConfig({ RETENTION_DAYS_CONTENT: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(problem);
  });
});

describe('the first month retention keeps', () => {
  it.each([
    // March ended on April 1st: 30 days later, on May 1st, it is past retention.
    ['2026-04-30T23:59:59Z', 30, '2026-03'],
    ['2026-05-01T00:00:00Z', 30, '2026-04'],
    ['2026-05-02T09:00:00Z', 30, '2026-04'],
    ['2027-01-15T00:00:00Z', 365, '2026-01'],
  ])('at %s with %i days is %s', (now, days, month) => {
    expect(retentionCutoffMonth(new Date(now), days)).toBe(month);
  });
});
