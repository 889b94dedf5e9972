import { z } from 'zod';
import { parseApiTokens } from './http/api-tokens.ts';
import { parseMasterKey } from './domain/keys/ledger-keys.ts';
import { loadProviderConfig, type ProviderSettings } from './provider-config.ts';

const optionalUrl = (protocols: RegExp, example: string) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: protocols, message: `must be a URL such as ${example}` }).optional());

const boolish = z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) : v), z.boolean());

const WHOLE_DAYS = 'must be a whole number of days, such as 365';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  /** The service's address as providers see it; webhook signatures (Twilio) cover the exact URL. */
  PUBLIC_URL: optionalUrl(/^https?$/, 'https://notify.clinic.example'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalUrl(/^postgres(ql)?$/, 'postgres://user@host:5432/db'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Opening a PostgreSQL connection, or waiting for a free one in the pool. */
  PG_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** A query unanswered by then fails and its connection is dropped: a silent server costs this, not the service. */
  PG_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Idle time before TCP keep-alive probes, so a vanished server is noticed on idle connections too. */
  PG_KEEPALIVE_DELAY_MS: z.coerce.number().int().min(1000).default(10_000),
  KURRENTDB_URL: optionalUrl(/^kurrentdb(\+discover)?$/, 'kurrentdb://localhost:2113?tls=false'),
  AMQP_URL: optionalUrl(/^amqps?$/, 'amqp://guest:guest@localhost:5672'),
  AMQP_EXCHANGE: z.string().min(1).default('clinic.events'),
  AMQP_QUEUE: z.string().min(1).default('notifications'),
  AMQP_DEAD_LETTER_EXCHANGE: z.string().min(1).default('clinic.events.dlx'),
  AMQP_DEAD_LETTER_QUEUE: z.string().min(1).default('notifications.dead'),
  AMQP_QUEUE_TYPE: z.enum(['classic', 'quorum']).default('quorum'),
  AMQP_PREFETCH: z.coerce.number().int().min(1).max(1000).default(10),
  DEDUP_WINDOW_MS: z.coerce.number().int().min(0).default(5 * 60_000),
  /** The intake's wait for one record in the ledger; longer counts as the ledger being unavailable. */
  INTAKE_RECORD_TIMEOUT_MS: z.coerce.number().int().min(100).max(25 * 60_000).default(60_000),
  /** The longest pause between the intake's looks at an unavailable ledger (it backs off up to this). */
  INTAKE_LEDGER_BACKOFF_MAX_MS: z.coerce.number().int().min(100).default(30_000),
  /** The AMQP intake on a thread of its own (a PostgreSQL server's ledger only): more events a second at full speed, slower at moderate rates (README). */
  INTAKE_THREAD: boolish.default(false),
  API_TOKENS: z.string().optional(),
  /**
   * 32 random bytes, base64: every key the service derives (contact hashes, webhook secrets). Made in
   * DATA_DIR at first start on embedded defaults; required with DATABASE_URL. Checked below.
   */
  LEDGER_MASTER_KEY: z.string().optional(),
  DISPATCH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  DISPATCH_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  WHATSAPP_PER_SECOND: z.coerce.number().positive().default(80),
  /** Channels to run in sandbox mode on purpose, e.g. `whatsapp,email` or `all`. */
  CHANNELS_SANDBOX: z.string().optional(),
  DEV: boolish.default(false),
  /** Lets webhook endpoints use http and private addresses (tests, a clinic's own network). Off: https and public addresses only. */
  WEBHOOK_ALLOW_PRIVATE: boolish.default(false),
  /** Sandbox channels report their messages delivered and read after a moment. Default: on embedded defaults only. */
  SANDBOX_RECEIPTS: boolish.optional(),
  /**
   * Days the words of sent messages stay readable once their month has ended; then their month's
   * content keys are destroyed. Unset: kept for good. Takes effect where personal data is sealed.
   */
  RETENTION_DAYS_CONTENT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ message: WHOLE_DAYS })
      .int(WHOLE_DAYS)
      .min(1, 'must be at least 1 day; leave it unset to keep content for good')
      .max(36_500, 'must be at most 36500 days (100 years); leave it unset to keep content for good')
      .optional(),
  ),
});

/** The environment as tools that send nothing need it (replay, dead letters): no provider credentials. */
export type ToolConfig = Readonly<z.infer<typeof Env>> & { readonly env: Readonly<Record<string, string | undefined>> };

/** Everything the service needs to start, provider credentials included. */
export type Config = ToolConfig & { readonly providers: ProviderSettings };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads and checks the whole environment once, provider credentials included, and lists every bad
 * variable in one error before anything opens: an operator fixes them all in one go, not one per start.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = Env.safeParse(env);
  // With a database the service is a real deployment: a channel without a provider must be sandboxed on purpose.
  const providers = loadProviderConfig(env, { requireExplicitSandbox: Boolean(env.DATABASE_URL) });
  const problems = [...(parsed.success ? [] : envProblems(parsed.error.issues)), ...apiTokenProblems(env), ...masterKeyProblems(env), ...intakeThreadProblems(parsed.data), ...providers.problems];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const { problems: _checked, ...settings } = providers;
  return Object.freeze({ ...parsed.data, env: Object.freeze({ ...env }), providers: Object.freeze(settings) });
}

/** The same checks without the providers, for tools that never send: replay, dead letters. */
export function loadToolConfig(env: Record<string, string | undefined> = process.env): ToolConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(envProblems(parsed.error.issues));
  return Object.freeze({ ...parsed.data, env: Object.freeze({ ...env }) });
}

/** The service's own secrets are checked with the rest too, not once the database is open. */
function apiTokenProblems(env: Record<string, string | undefined>): string[] {
  if (env.API_TOKENS) return parseApiTokens(env.API_TOKENS).problems;
  return env.DATABASE_URL ? [API_TOKENS_REQUIRED] : [];
}

/** The intake's thread opens a connection of its own to the ledger: a PostgreSQL server's, not PGlite's or KurrentDB. */
function intakeThreadProblems(settings: z.infer<typeof Env> | undefined): string[] {
  if (!settings?.INTAKE_THREAD) return [];
  if (!settings.DATABASE_URL) return ['INTAKE_THREAD: needs DATABASE_URL (a PostgreSQL server); embedded PGlite is one connection in the service\'s own thread'];
  if (settings.KURRENTDB_URL) return ['INTAKE_THREAD: not with KURRENTDB_URL; the intake runs in the service\'s own thread there'];
  if (!settings.AMQP_URL) return ['INTAKE_THREAD: needs AMQP_URL; without it there is no AMQP intake to run'];
  return [];
}

/** The master key is checked with the rest; its value never appears in a problem. */
function masterKeyProblems(env: Record<string, string | undefined>): string[] {
  if (env.LEDGER_MASTER_KEY) {
    const parsed = parseMasterKey(env.LEDGER_MASTER_KEY);
    return parsed.ok ? [] : [`LEDGER_MASTER_KEY: ${parsed.error}`];
  }
  return env.DATABASE_URL ? [MASTER_KEY_REQUIRED] : [];
}

export const MASTER_KEY_REQUIRED = 'LEDGER_MASTER_KEY: required when DATABASE_URL is set (32 random bytes, base64: `openssl rand -base64 32`); keep a copy where the database backups are not';

export const API_TOKENS_REQUIRED = 'API_TOKENS: required when DATABASE_URL is set (name:role:token, comma-separated; roles admin, auditor, dashboard, ingest)';

const envProblems = (issues: readonly z.core.$ZodIssue[]): string[] => issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
