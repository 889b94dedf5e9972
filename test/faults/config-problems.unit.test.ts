import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadToolConfig } from '../../src/config.ts';

const DEPLOYED = { DATABASE_URL: 'postgres://clinic@db.internal:5432/notify', API_TOKENS: `ops:admin:${'a'.repeat(32)}`, LEDGER_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') };

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('one start reports every configuration problem at once', () => {
  it('lists a bad port, a bad provider address and a missing secret in one error', () => {
    const problems = problemsOf({
      ...DEPLOYED,
      PORT: 'eighty',
      CHANNELS_SANDBOX: 'email,push',
      WHATSAPP_360DIALOG_API_KEY: 'dialog-key',
      WHATSAPP_360DIALOG_BASE_URL: 'waba.360dialog.example',
      TWILIO_ACCOUNT_SID: 'AC0123',
      TWILIO_FROM: '+14155550100',
      // Twilio cannot send India's DLT registration: a deployed Twilio takes other countries only.
      SMS_ROUTES: '+1=twilio',
    });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/^WHATSAPP_360DIALOG_BASE_URL must be a URL/),
      'WHATSAPP_WEBHOOK_SECRET is required when WhatsApp (360dialog) is enabled',
      'TWILIO_AUTH_TOKEN is required when SMS (Twilio) is enabled',
    ]));
  });

  it('names each variable and never its value', () => {
    const message = (() => {
      try {
        loadConfig({ ...DEPLOYED, API_TOKENS: 'ops:admin:short-secret', CHANNELS_SANDBOX: 'all', TWILIO_BASE_URL: 'ftp://secret-host.example' });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/API_TOKENS entry 1/);
    expect(message).toMatch(/TWILIO_BASE_URL/);
    expect(message).not.toMatch(/short-secret|secret-host/);
  });

  it('asks for API tokens, the master key and an explicit sandbox once a database is configured, before anything opens', () => {
    expect(problemsOf({ DATABASE_URL: DEPLOYED.DATABASE_URL })).toEqual([
      expect.stringMatching(/^API_TOKENS: required when DATABASE_URL is set/),
      expect.stringMatching(/^LEDGER_MASTER_KEY: required when DATABASE_URL is set/),
      expect.stringMatching(/^no provider is configured for whatsapp, email, sms, push/),
    ]);
  });

  it('takes INTAKE_THREAD only where the intake can have a thread of its own: a PostgreSQL server, AMQP', () => {
    const amqp = { AMQP_URL: 'amqp://guest:guest@rabbit.internal:5672', CHANNELS_SANDBOX: 'all' };
    expect(problemsOf({ ...DEPLOYED, ...amqp, INTAKE_THREAD: 'true' })).toEqual([]);
    expect(loadConfig({ ...DEPLOYED, ...amqp }).INTAKE_THREAD).toBe(false);
    expect(problemsOf({ ...amqp, INTAKE_THREAD: 'true' })).toEqual([expect.stringMatching(/^INTAKE_THREAD: needs DATABASE_URL/)]);
    expect(problemsOf({ ...DEPLOYED, ...amqp, KURRENTDB_URL: 'kurrentdb://ledger.internal:2113?tls=false', INTAKE_THREAD: 'on' })).toEqual([expect.stringMatching(/^INTAKE_THREAD: not with KURRENTDB_URL/)]);
    expect(problemsOf({ ...DEPLOYED, CHANNELS_SANDBOX: 'all', INTAKE_THREAD: 'yes' })).toEqual([expect.stringMatching(/^INTAKE_THREAD: needs AMQP_URL/)]);
  });

  it('refuses a master key that is not 32 bytes of base64, without repeating it', () => {
    const short = Buffer.alloc(16, 1).toString('base64');
    expect(problemsOf({ ...DEPLOYED, CHANNELS_SANDBOX: 'all', LEDGER_MASTER_KEY: short })).toEqual(['LEDGER_MASTER_KEY: must be 32 random bytes, base64-encoded; it decodes to 16']);
    const problems = problemsOf({ ...DEPLOYED, CHANNELS_SANDBOX: 'all', LEDGER_MASTER_KEY: 'not base64 at all!' });
    expect(problems).toEqual(['LEDGER_MASTER_KEY: must be base64 (for example the output of `openssl rand -base64 32`)']);
    expect(problems.join()).not.toContain('not base64 at all');
  });

  it('refuses an FCM key without a project unless FCM_PROJECT_ID names one', () => {
    const account = JSON.stringify({ client_email: 'notifier@example.iam.gserviceaccount.com', private_key: 'pem' });
    const env = { ...DEPLOYED, CHANNELS_SANDBOX: 'whatsapp,email,sms', FCM_SERVICE_ACCOUNT: account };
    expect(problemsOf(env)).toEqual(['FCM_PROJECT_ID is required when the FCM_SERVICE_ACCOUNT key has no project_id']);
    expect(loadConfig({ ...env, FCM_PROJECT_ID: 'clinic-notify' }).providers.channels.push).toMatchObject({ enabled: true, options: { projectId: 'clinic-notify' } });
  });

  it('hands the checked providers to the service, and embedded defaults need none', () => {
    expect(loadConfig({}).providers.channels).toEqual({ whatsapp: { enabled: false }, email: { enabled: false }, sms: { enabled: false }, push: { enabled: false } });
    const config = loadConfig({ ...DEPLOYED, CHANNELS_SANDBOX: 'email,sms,push', WHATSAPP_360DIALOG_API_KEY: 'dialog-key', WHATSAPP_WEBHOOK_SECRET: 'hook-secret' });
    expect(config.providers.channels.whatsapp).toMatchObject({ enabled: true, provider: '360dialog' });
    expect(config.providers.webhooks.whatsapp).toMatchObject({ sharedSecret: 'hook-secret' });
  });

  it('lets tools that send nothing run without provider settings', () => {
    expect(loadToolConfig({ DATABASE_URL: DEPLOYED.DATABASE_URL }).DATABASE_URL).toBe(DEPLOYED.DATABASE_URL);
    expect(() => loadToolConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});
