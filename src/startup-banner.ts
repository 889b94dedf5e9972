import type { Config } from './config.ts';
import type { Channel } from './domain/event-catalogue.ts';

/** What main needs of the running service to tell the operator what runs where. */
export interface BannerFacts {
  url: URL;
  embedded: boolean;
  sandboxed: readonly Channel[];
  generatedTokens: { tokens: readonly { role: string; token: string }[]; path: string } | null;
  /** Where this start made the master key, if it did. */
  generatedMasterKey: string | null;
}

// The first thing someone trying the product reads: where it listens, what is embedded or
// simulated, and the one variable that swaps each part for the real thing.
const PROVIDER_HINTS: Partial<Record<Channel, string>> = {
  whatsapp: 'WHATSAPP_360DIALOG_API_KEY + WHATSAPP_WEBHOOK_SECRET',
  email: 'SES_REGION + SES_FROM_ADDRESS',
  sms: 'MSG91_AUTH_KEY + MSG91_WEBHOOK_SECRET (India, DLT) and/or TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN + TWILIO_FROM; SMS_ROUTES picks by prefix',
  push: 'FCM_SERVICE_ACCOUNT (the service-account JSON)',
};

export function startupBanner(config: Config, facts: BannerFacts): string[] {
  const origin = facts.url.origin;
  const lines = [
    '',
    `Clinic notification ledger is running at ${origin}`,
    '',
    `  Dashboard   ${origin}/`,
    `  GraphQL     ${origin}/graphql`,
    `  Events      POST ${origin}/events  (Bearer token of role ingest or admin)`,
    `  Health      ${origin}/healthz  ${origin}/readyz  ${origin}/metrics`,
    '',
    ledgerLine(config, facts.embedded),
    config.AMQP_URL
      ? `  Intake      RabbitMQ: queue ${config.AMQP_QUEUE} bound to exchange ${config.AMQP_EXCHANGE}${config.INTAKE_THREAD ? ' (on a thread of its own, INTAKE_THREAD)' : ''}, plus HTTP and GraphQL`
      : '  Intake      HTTP and GraphQL only. Set AMQP_URL=amqp://user:pass@host:5672 to consume from RabbitMQ.',
    ...channelLines(facts.sandboxed),
    `  Personal    names, contacts and words sealed under each person's keys; erasePerson forgets one (README, "Personal data")${
      config.RETENTION_DAYS_CONTENT ? `; words kept ${config.RETENTION_DAYS_CONTENT} days` : ''}`,
  ];
  if (facts.generatedTokens) {
    lines.push('', `  API tokens made for this data folder (kept in ${facts.generatedTokens.path}):`);
    for (const t of facts.generatedTokens.tokens) lines.push(`    ${t.role.padEnd(10)} ${t.token}`);
    lines.push('  Sign in to the dashboard with the dashboard or auditor token; `npm run demo` uses the ingest one.');
  } else if (facts.embedded && !config.API_TOKENS) {
    lines.push('', `  API tokens  in ${config.DATA_DIR}/api-tokens.json (made at first start)`);
  }
  if (facts.generatedMasterKey) {
    lines.push('', `  Master key  made in ${facts.generatedMasterKey}: back it up apart from the data folder (README, "The master key").`);
  }
  lines.push('');
  return lines;
}

function ledgerLine(config: Config, embedded: boolean): string {
  const readModels = embedded ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL (DATABASE_URL)';
  if (config.KURRENTDB_URL) return `  Ledger      KurrentDB (KURRENTDB_URL); read models in ${readModels}`;
  if (!embedded) return '  Ledger      PostgreSQL (DATABASE_URL), read models beside it';
  return [
    `  Ledger      embedded PGlite in ${config.DATA_DIR} (one instance at a time; data survives restarts).`,
    '              Set DATABASE_URL=postgres://user@host:5432/db, API_TOKENS and LEDGER_MASTER_KEY for PostgreSQL,',
    '              and KURRENTDB_URL=kurrentdb://host:2113?tls=false to keep the ledger in KurrentDB.',
  ].join('\n');
}

function channelLines(sandboxed: readonly Channel[]): string[] {
  if (sandboxed.length === 0) return ['  Channels    every channel sends through its provider'];
  const hints = sandboxed.map((c) => PROVIDER_HINTS[c]).filter((h): h is string => h !== undefined);
  return [
    `  Channels    sandbox, nothing leaves this machine: ${sandboxed.join(', ')}`,
    ...(hints.length > 0 ? ['              To send for real, set each provider\'s credentials:', ...hints.map((h) => `                ${h}`)] : []),
  ];
}
