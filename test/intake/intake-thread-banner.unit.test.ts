import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startupBanner } from '../../src/startup-banner.ts';

const deployed = {
  DATABASE_URL: 'postgres://clinic@db.internal:5432/notify',
  AMQP_URL: 'amqp://guest:guest@rabbit.internal:5672',
  API_TOKENS: `ops:admin:${'a'.repeat(32)}`,
  LEDGER_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
  CHANNELS_SANDBOX: 'all',
};
const facts = { url: new URL('http://127.0.0.1:4000'), embedded: false, sandboxed: [], generatedTokens: null, generatedMasterKey: null };
const intakeLine = (env: Record<string, string>) => startupBanner(loadConfig(env), facts).find((line) => line.trimStart().startsWith('Intake'));

describe('the startup banner', () => {
  it('says where the AMQP intake runs', () => {
    expect(intakeLine({ ...deployed, INTAKE_THREAD: 'true' })).toContain('(on a thread of its own, INTAKE_THREAD)');
    expect(intakeLine(deployed)).not.toContain('thread');
  });
});
