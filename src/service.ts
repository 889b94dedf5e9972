import { sql, type Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import { Dispatcher, type DispatcherOptions } from './channels/dispatcher.ts';
import { InAppTransport } from './channels/in-app-transport.ts';
import { StaffAlertHub } from './channels/staff-alert-hub.ts';
import { AmqpIntakeConsumer } from './intake/amqp-intake-consumer.ts';
import { IntakeThread } from './intake/intake-thread.ts';
import type { BackoffOptions } from './intake/backoff.ts';
import { deadLetterRecorder } from './commands/inbound/record-dead-letter.ts';
import { errorSummary } from './intake/intake-log-fields.ts';
import { ledgerProbe, ledgerRecorder } from './intake/ledger-recorder.ts';
import { ReminderScheduler } from './projections/reminders/reminder-scheduler.ts';
import { FallbackWatcher } from './projections/fallbacks/fallback-watcher.ts';
import { resolveMasterKey } from './master-key-file.ts';
import { checkWebhookTarget, describeRefusal, type ResolveHostname } from './channels/webhooks-out/ssrf-guard.ts';
import { WebhookSender } from './channels/webhooks-out/webhook-sender.ts';
import type { LedgerKeys } from './domain/keys/ledger-keys.ts';
import { smsRouteFor } from './domain/notifications/sms-routes.ts';
import type { ChannelTransport } from './channels/channel-port.ts';
import { createTransports } from './channels/providers/create-transports.ts';
import { simulateSandboxReceipts } from './channels/sandbox-receipts.ts';
import { SandboxTransport } from './channels/sandbox-transport.ts';
import { API_TOKENS_REQUIRED, ConfigError, type Config, type ToolConfig } from './config.ts';
import type { Clock } from './domain/clock.ts';
import { CHANNELS, type Channel } from './domain/event-catalogue.ts';
import type { Envelope } from './domain/intake/envelope.ts';
import type { IntakeVia } from './domain/intake/inbound-receipt.ts';
import { renderRecordedVersion } from './domain/templates/recorded-content.ts';
import { DeliveryFeed } from './graphql/delivery-feed.ts';
import { ConversationHub } from './graphql/conversation-hub.ts';
import { createGraphqlServer, GRAPHQL_PATH } from './graphql/graphql-server.ts';
import { DASHBOARD_DIST } from './dashboard/build-dashboard.ts';
import { ApiTokens, embeddedApiTokens, parseApiTokens, type ApiToken } from './http/api-tokens.ts';
import { eventsRoute } from './http/events-route.ts';
import { mountWebhooks } from './http/webhook-routes.ts';
import { mountHealthRoutes } from './http/health-routes.ts';
import { sandboxInboundRoute, SANDBOX_INBOUND_PATH } from './http/sandbox-inbound-route.ts';
import { HttpServer } from './http/http-server.ts';
import type { IntakeGate } from './http/intake-gate.ts';
import { staticRoute } from './http/static-route.ts';
import { ContentRetention } from './ledger/content-retention.ts';
import { lockDataDir } from './ledger/data-dir-lock.ts';
import type { EventStore, LedgerPosition } from './ledger/event-store.ts';
import { KurrentDbEventStore } from './ledger/kurrentdb-event-store.ts';
import { PostgresEventStore } from './ledger/postgres-event-store.ts';
import { runKeyedLedgerMigrations } from './ledger/migrations/keyed/keyed-ledger-migrations.ts';
import { checkMasterKeyAgainstReceipts } from './ledger/master-key-check.ts';
import { PersonKeyStore } from './ledger/person-key-store.ts';
import { ProtectedEventStore } from './ledger/protected-event-store.ts';
import { SealedCells } from './ledger/sealed-cells.ts';
import { readModelsWrittenInClear } from './projections/rebuild-read-models.ts';
import { runMigrations } from './ledger/run-migrations.ts';
import { connectPglite, connectPostgres, type PostgresTimeouts, type SqlConnection } from './ledger/sql-connection.ts';
import { readModelMigrations } from './projections/migrations/read-model-migrations.ts';
import { hashBlocksKeptInClear } from './projections/deliveries/contact-blocks.ts';
import { mayHaveComeDue } from './projections/deliveries/deliveries-projection.ts';
import { installDefaultRoutingRules } from './commands/routing-rules/install-default-routing-rules.ts';
import { installDefaultTemplates } from './commands/templates/template-commands.ts';
import { whatsAppTemplateLister } from './channels/providers/whatsapp-360dialog-templates.ts';
import { WhatsAppTemplateSyncLoop } from './channels/whatsapp-template-sync.ts';
import type { WhatsAppTemplateLister } from './commands/templates/record-whatsapp-template-state.ts';
import { buildProjectionSet } from './projections/build-projections.ts';
import { ProjectionRunner } from './projections/projection-runner.ts';
import type { WebhookConfigs } from './provider-config.ts';
import type { ReadModelDatabase } from './projections/read-model-database.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { createMetricsRegistry } from './telemetry/metrics.ts';

export const systemClock: Clock = { now: () => new Date() };

/**
 * The read models' lane's wait for an event's next appends to share its batch. At 20 events/s it
 * took PostgreSQL's CPU an event from 16-17 to 12.5 ms and the service's from 19-20 to 16.6-17 ms,
 * and publish -> send p90 from 46-50 to 42 ms, in alternating runs; what the lane alone tells
 * (the dashboard's feed, webhooks, reminders) hears of an event this much later.
 */
const READ_MODEL_LINGER_MS = 15;

/** How long PostgreSQL may keep the service waiting, from the configuration. */
export const postgresTimeouts = (config: ToolConfig): PostgresTimeouts => ({
  connectMs: config.PG_CONNECT_TIMEOUT_MS,
  queryMs: config.PG_QUERY_TIMEOUT_MS,
  keepAliveDelayMs: config.PG_KEEPALIVE_DELAY_MS,
});

export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Transports per channel; channels not given run in sandbox mode. */
  transports?: Partial<Record<Channel, ChannelTransport>>;
  /** Listen on this port instead of the configured one (0 = any free port). */
  port?: number;
  /** Webhook verification settings that replace the configured ones (tests bring their own SNS certificate). */
  webhooks?: Partial<WebhookConfigs>;
  /** Run the dispatcher (default true): tests of planning alone turn it off. */
  dispatch?: boolean;
  /**
   * false: notification rows are written by the read-model lane alone, not with the plans that
   * start them (the path a KurrentDB ledger and a rebuild take): tests and benches compare the two.
   */
  inlineDeliveries?: false;
  /**
   * false: plans' rows are written unclaimed and the dispatcher claims them, instead of being
   * written claimed for it and handed to it with their plans (tests compare the two).
   */
  handDeliveries?: false;
  /** The read models' lane's wait for more events to share a batch (ProjectionRunner); default 15 ms where plans' rows are written with them, else none. */
  readModelLingerMs?: number;
  /** false: no WhatsApp template sync at start and every 6 hours (`syncWhatsAppTemplates` still works). */
  templateSync?: false;
  dispatcher?: Partial<Pick<DispatcherOptions, 'pollIntervalMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'random' | 'limits' | 'claimBatch' | 'rateClock' | 'render'>>;
  /** How many sent messages each sandbox transport keeps for inspection (default none; tests read them). */
  sandboxKeep?: number;
  /** Run the reminder scheduler (default true). */
  schedule?: boolean;
  /**
   * Personal data is sealed at every append under each person's key (ProtectedEventStore), so
   * erasing a person forgets them. `clear` exists for the benchmarks alone, which measure what
   * sealing costs against it in the same run; no configuration reaches it.
   */
  personalData?: 'sealed' | 'clear';
  /** Between retention runs (default hourly); runs only with personal data sealed and RETENTION_DAYS_CONTENT set. */
  contentRetention?: { intervalMs?: number };
  /** A short poll lets a test that moves a fixed clock be heard without a poke. */
  reminders?: { pollIntervalMs?: number; claimBatch?: number; leaseMs?: number; worker?: string };
  /** The loop that plans the fallback of messages not delivered in time (runs with the scheduler). */
  fallbacks?: { pollIntervalMs?: number };
  /**
   * The loop that sends webhooks to clinic systems (runs with the scheduler). `resolve` replaces the
   * system resolver for the address guard, at an endpoint's creation and before every attempt.
   */
  outboundWebhooks?: { pollIntervalMs?: number; resolve?: ResolveHostname; timeoutMs?: number; leaseMs?: number };
  intake?: {
    /** The AMQP consumer's pause after a ledger failure; tests lengthen it to tell a pause from progress. */
    ledgerBackoff?: Partial<BackoffOptions>;
    /**
     * Tests only: runs before every inbound event is recorded, whichever door it came through, and
     * may throw to stand for a failure of that one message.
     */
    beforeRecord?: (envelope: Envelope, via: IntakeVia) => void;
  };
}

export interface Service {
  readonly url: URL;
  readonly store: EventStore;
  readonly db: Kysely<ReadModelDatabase>;
  readonly connection: SqlConnection;
  readonly runner: ProjectionRunner;
  readonly dispatcher: Dispatcher | null;
  readonly reminders: ReminderScheduler | null;
  readonly fallbacks: FallbackWatcher | null;
  /** Sends the webhook outbox to clinic systems; null when scheduling is off. */
  readonly webhookSender: WebhookSender | null;
  readonly transports: Partial<Record<Channel, ChannelTransport>>;
  readonly sandboxed: Channel[];
  readonly tokens: ApiTokens;
  readonly generatedTokens: { tokens: ApiToken[]; path: string } | null;
  /** Where this start made the master key (embedded defaults, first start), if it did. */
  readonly generatedMasterKey: string | null;
  /** The keys derived from the master key: contact hashes, webhook secrets. */
  readonly keys: LedgerKeys;
  /** Each person's data keys, when personal data is sealed. */
  readonly personKeys: PersonKeyStore | null;
  /** Opens the personal data the read models keep sealed (the API's answers, a reply's number). */
  readonly cells: SealedCells;
  /** Destroys content keys past RETENTION_DAYS_CONTENT; null when content is kept (unset, or nothing sealed). */
  readonly contentRetention: ContentRetention | null;
  /** The WhatsApp provider's template list, when 360dialog is configured. */
  readonly whatsappTemplates: WhatsAppTemplateLister | null;
  readonly metrics: Registry;
  readonly intake: IntakeGate;
  readonly embedded: boolean;
  /** Live in-app staff alerts, as the in-app transport delivers them. */
  readonly staffAlerts: StaffAlertHub;
  /** Resolves when every projection has applied the ledger up to `position`. */
  whenProcessed(position: LedgerPosition, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Builds and starts the whole service from configuration. The composition root: only this and main know every adapter. */
export async function startService(config: Config, overrides: ServiceOverrides = {}): Promise<Service> {
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
  const clock = overrides.clock ?? systemClock;
  const metrics = createMetricsRegistry({ defaultMetrics: true });
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
  };

  try {
    const embedded = !config.DATABASE_URL;
    if (embedded) cleanup.push(await lockDataDir(config.DATA_DIR));
    const connection = embedded
      ? await connectPglite(`${config.DATA_DIR}/pglite`)
      : connectPostgres(config.DATABASE_URL!, {
          timeouts: postgresTimeouts(config),
          onConnectionError: (error, role) => logger.warn({ role, error: errorSummary(error) }, 'PostgreSQL connection lost; its call fails and is retried'),
        });
    cleanup.push(() => connection.close());
    const db = connection.readModels as Kysely<ReadModelDatabase>;
    const master = await resolveMasterKey(config, embedded);
    const ledger: EventStore = config.KURRENTDB_URL
      ? KurrentDbEventStore.connect(config.KURRENTDB_URL)
      : await PostgresEventStore.open(connection, { logger: logger.child({ component: 'ledger' }) });
    // Personal data is sealed at every append, whatever the ledger: the key store sits beside the
    // ledger tables in the SQL database (the read models' one, with KurrentDB). A master key that
    // does not open its keys stops the start here, before anything is written (the renames below included).
    // A key store with no check value yet (the first sealed start) would take any key: the ledger's
    // own keyed receipts say first whether this is the key it was written with.
    if (!config.KURRENTDB_URL && overrides.personalData !== 'clear') await checkMasterKeyAgainstReceipts(connection.db, master.keys);
    const personKeys = overrides.personalData !== 'clear'
      ? await PersonKeyStore.open(connection, master.keys, { databaseUrl: config.DATABASE_URL, timeouts: postgresTimeouts(config), clock })
      : null;
    if (personKeys) cleanup.push(() => personKeys.close());
    // Renames by keyed hash, before anything appends. KurrentDB cannot rename a stream: there the
    // preference streams named after an address stay as they are (README, "Personal data").
    if (!config.KURRENTDB_URL) {
      const { preferenceStreams } = await runKeyedLedgerMigrations(connection.db, master.keys);
      if (preferenceStreams) logger.info(preferenceStreams, 'preference streams renamed by the keyed hash of their address');
    }
    const store: EventStore = personKeys
      ? new ProtectedEventStore(ledger, personKeys, master.keys, {
          onOpeningThreadFailure: (error) => logger.warn({ err: error }, 'the thread that opens large reads of sealed data failed; they are opened on the main thread from now on (slower, same results)'),
        })
      : ledger;
    const cells = new SealedCells(personKeys);
    cleanup.push(() => store.close());
    await runMigrations(connection.readModels, 'read_model_migration', readModelMigrations);
    if (personKeys && (await readModelsWrittenInClear(connection.readModels))) {
      logger.warn('read models hold personal data written in clear, before they kept it sealed: stop the service and run npm run migrate:encrypt, which rebuilds them from the sealed ledger');
    }
    const hashedBlocks = await hashBlocksKeptInClear(db, master.keys);
    if (hashedBlocks > 0) logger.info({ blocks: hashedBlocks }, 'opt-outs recorded before keyed hashes renamed by the keyed hash of their address');
    // Before any intake starts, so the first staff event already finds the default rules.
    await installDefaultRoutingRules({ store, clock });
    // The templates we ship, as `system`; a clinic's own versions are never overwritten.
    await installDefaultTemplates({ store, clock });

    const { tokens, generated } = await resolveTokens(config, embedded);

    // Checked by loadConfig with the rest of the environment, before anything here opened.
    const providers = createTransports({ ...config.providers.channels, clock, logger: logger.child({ component: 'providers' }) });
    cleanup.push(() => providers.close());
    const staffAlerts = new StaffAlertHub();
    const conversations = new ConversationHub();
    const sandboxed: Channel[] = [];
    const transports: Partial<Record<Channel, ChannelTransport>> = { ...providers.transports, ...overrides.transports };
    transports.in_app ??= new InAppTransport({ db, store, clock, hub: staffAlerts });
    for (const channel of CHANNELS) {
      if (!transports[channel]) {
        transports[channel] = new SandboxTransport(channel, { keep: overrides.sandboxKeep });
        sandboxed.push(channel);
      }
    }

    // "Not delivered in time" arms only where receipts come back: the provider's webhook is mounted,
    // or the sandbox simulates them.
    const sandboxReceipts = config.SANDBOX_RECEIPTS ?? embedded;
    const webhooks = { ...config.providers.webhooks, ...overrides.webhooks };
    const reportsReceipts = (provider: string): boolean => {
      switch (provider) {
        case 'sandbox': return sandboxReceipts;
        case '360dialog': return true;
        case 'twilio': return webhooks.sms !== undefined;
        case 'msg91': return webhooks.msg91 !== undefined;
        case 'ses': return webhooks.ses !== undefined;
        default: return false;
      }
    };
    const dispatcher = overrides.dispatch === false
      ? null
      : new Dispatcher({
          store,
          db,
          clock,
          logger: logger.child({ component: 'dispatcher' }),
          keys: master.keys,
          reportsReceipts,
          transports,
          render: renderRecordedVersion,
          metrics,
          maxAttempts: config.DISPATCH_MAX_ATTEMPTS,
          attemptTimeoutMs: config.DISPATCH_ATTEMPT_TIMEOUT_MS,
          limits: { whatsapp: { perSecond: config.WHATSAPP_PER_SECOND } },
          ...(store instanceof ProtectedEventStore ? { sealedStillLive: (eventId: string) => store.sealedHereStillLive(eventId) } : {}),
          ...overrides.dispatcher,
        });
    const reminders = overrides.schedule === false
      ? null
      : new ReminderScheduler({ store, db, clock, logger: logger.child({ component: 'reminders' }), metrics, ...overrides.reminders });

    const sms = config.providers.channels.sms;
    const smsReachable = (phone: string): boolean =>
      overrides.transports?.sms !== undefined || !(sms.enabled && sms.provider === 'routes') || smsRouteFor(sms.options.routes, phone) !== undefined;
    const fallbacks = overrides.schedule === false
      ? null
      : new FallbackWatcher({ store, db, clock, logger: logger.child({ component: 'fallbacks' }), ...overrides.fallbacks });

    const webhookSender = overrides.schedule === false
      ? null
      : new WebhookSender({
          store,
          db,
          clock,
          logger: logger.child({ component: 'webhook-sender' }),
          keys: master.keys,
          cells,
          allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
          metrics,
          ...definedOnly(overrides.outboundWebhooks ?? {}),
        });

    const feed = new DeliveryFeed({ db, logger: logger.child({ component: 'delivery-feed' }), metrics });
    const built = buildProjectionSet({
      store,
      keys: master.keys,
      cells,
      clock,
      logger,
      metrics,
      smsReachable,
      reportsReceipts,
      onRemindersChanged: () => reminders?.poke(),
      onConversationsChanged: (ids) => conversations.publish(ids),
      onWebhooksQueued: () => webhookSender?.poke(),
      onDeliveriesChanged: (changes) => {
        if (changes.some(mayHaveComeDue)) dispatcher?.poke();
        feed.notifyChanged(changes);
      },
      ...(overrides.inlineDeliveries === false ? { inlineDeliveries: false } : {}),
      ...(dispatcher && overrides.handDeliveries !== false ? { handoff: dispatcher } : {}),
    });
    const runner = new ProjectionRunner({
      store,
      db,
      clock,
      logger: logger.child({ component: 'projections' }),
      metrics,
      projections: built.projections,
      // Where plans' rows are written with the plans, no send waits on the read models' lane: it
      // lingers so one batch takes an event's receipt, plans, attempts and sends when the service is
      // quiet, instead of a transaction each. Where the lane writes those rows, it does not wait.
      readModelLingerMs: overrides.readModelLingerMs ?? (built.inline ? READ_MODEL_LINGER_MS : 0),
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    await dispatcher?.start();
    if (dispatcher) cleanup.push(() => dispatcher.stop());
    reminders?.start();
    if (reminders) cleanup.push(() => reminders.stop());
    fallbacks?.start();
    if (fallbacks) cleanup.push(() => fallbacks.stop());
    webhookSender?.start();
    if (webhookSender) cleanup.push(() => webhookSender.stop());
    const contentRetention = personKeys && config.RETENTION_DAYS_CONTENT !== undefined
      ? new ContentRetention({ keys: personKeys, store, clock, logger: logger.child({ component: 'retention' }), retentionDays: config.RETENTION_DAYS_CONTENT, metrics, ...overrides.contentRetention })
      : null;
    if (!personKeys && config.RETENTION_DAYS_CONTENT !== undefined) logger.warn('RETENTION_DAYS_CONTENT is set, but personal data is not sealed: recorded content is kept');
    contentRetention?.start();
    if (contentRetention) cleanup.push(() => contentRetention.stop());

    const intake: IntakeGate = {
      record: ledgerRecorder(store, { clock, windowMs: config.DEDUP_WINDOW_MS, hashKey: master.keys.payloadHash, beforeRecord: overrides.intake?.beforeRecord }),
    };

    const http = new HttpServer(logger.child({ component: 'http' }));
    mountHealthRoutes(http, {
      metrics,
      readiness: {
        database: () => sql`select 1`.execute(db),
        ledger: () => store.headPosition(),
        ...(config.AMQP_URL ? { broker: config.AMQP_URL } : {}),
      },
    });
    http
      .route('POST', '/events', eventsRoute(tokens, intake, logger.child({ component: 'http' })));
    const dashboard = staticRoute(DASHBOARD_DIST);
    http.route('GET', '/', dashboard).route('GET', '/assets/*', dashboard).route('GET', '/favicon.svg', dashboard);
    const webhookRecorder = { store, clock, logger: logger.child({ component: 'webhooks' }) };
    mountWebhooks(http, { ...config.providers.webhooks, ...overrides.webhooks }, webhookRecorder, config.PUBLIC_URL);
    // Without a WhatsApp provider no patient can write: an admin may play one (the demo does).
    if (sandboxed.includes('whatsapp')) http.route('POST', SANDBOX_INBOUND_PATH, sandboxInboundRoute(tokens, webhookRecorder));
    if (config.SANDBOX_RECEIPTS ?? embedded) {
      const sandboxes = sandboxed.map((c) => transports[c]).filter((t): t is SandboxTransport => t instanceof SandboxTransport);
      const stopReceipts = simulateSandboxReceipts(sandboxes, webhookRecorder, logger.child({ component: 'sandbox' }));
      cleanup.push(async () => stopReceipts());
    }
    // With 360dialog configured, what Meta approved is read at start and every 6 hours (and on demand).
    const whatsappTemplates = config.providers.channels.whatsapp.enabled
      ? whatsAppTemplateLister({ ...config.providers.channels.whatsapp.options, clock })
      : null;
    if (whatsappTemplates && overrides.templateSync !== false) {
      const sync = new WhatsAppTemplateSyncLoop({ store, clock, list: whatsappTemplates, logger: logger.child({ component: 'template-sync' }) });
      sync.start();
      cleanup.push(() => sync.stop());
    }
    const webhookEndpoints = {
      keys: master.keys,
      checkTarget: async (url: string) => {
        const resolve = overrides.outboundWebhooks?.resolve;
        const checked = await checkWebhookTarget(url, { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, ...(resolve ? { resolve } : {}) });
        return checked.ok ? null : describeRefusal(checked.error);
      },
    };
    const graphql = createGraphqlServer({ tokens, services: { store, db, cells, keys: master.keys, intake, clock, feed, logger, staffAlerts, conversations, whatsappTemplates, webhooks: webhookEndpoints, erasure: personKeys && { keys: master.keys, personKeys } }, logger: logger.child({ component: 'graphql' }), dev: config.DEV });
    http.route('GET', GRAPHQL_PATH, graphql.handle).route('POST', GRAPHQL_PATH, graphql.handle);
    graphql.attach(http.server);
    const url = await http.listen(overrides.port ?? config.PORT, config.HOST);
    cleanup.push(() => http.close());

    // Started last and so stopped first: no new message is taken once shutdown begins.
    const topology = {
      exchange: config.AMQP_EXCHANGE,
      queue: config.AMQP_QUEUE,
      deadLetterExchange: config.AMQP_DEAD_LETTER_EXCHANGE,
      deadLetterQueue: config.AMQP_DEAD_LETTER_QUEUE,
      queueType: config.AMQP_QUEUE_TYPE,
    };
    const connectionName = `clinic-notification-ledger:${process.pid}:${url.port}`;
    if (config.AMQP_URL && intakeOnThread(config, overrides)) {
      const thread = await IntakeThread.start({
        amqpUrl: config.AMQP_URL,
        databaseUrl: config.DATABASE_URL!,
        timeouts: postgresTimeouts(config),
        masterKey: config.LEDGER_MASTER_KEY!,
        sealed: personKeys !== null,
        topology,
        prefetch: config.AMQP_PREFETCH,
        dedupWindowMs: config.DEDUP_WINDOW_MS,
        recordTimeoutMs: config.INTAKE_RECORD_TIMEOUT_MS,
        ledgerBackoffMaxMs: config.INTAKE_LEDGER_BACKOFF_MAX_MS,
        connectionName,
      }, { logger, registry: metrics });
      cleanup.push(() => thread.stop());
    } else if (config.AMQP_URL) {
      const consumer = new AmqpIntakeConsumer({
        url: config.AMQP_URL,
        record: (envelope, via) => intake.record(envelope, via),
        topology,
        prefetch: config.AMQP_PREFETCH,
        connectionName,
        logger: logger.child({ component: 'intake' }),
        registry: metrics,
        probeLedger: ledgerProbe(store),
        recordDeadLetter: deadLetterRecorder(store, clock),
        recordTimeoutMs: config.INTAKE_RECORD_TIMEOUT_MS,
        ledgerBackoff: { maxMs: config.INTAKE_LEDGER_BACKOFF_MAX_MS, ...overrides.intake?.ledgerBackoff },
      });
      await consumer.start();
      cleanup.push(() => consumer.stop());
    }
    // Cleanup runs in reverse: subscriptions end before the HTTP server waits for its connections.
    cleanup.push(() => graphql.close());

    return {
      url,
      store,
      db,
      connection,
      runner,
      dispatcher,
      reminders,
      fallbacks,
      webhookSender,
      transports,
      sandboxed,
      tokens,
      generatedTokens: generated,
      generatedMasterKey: master.created,
      keys: master.keys,
      personKeys,
      cells,
      contentRetention,
      whatsappTemplates,
      metrics,
      intake,
      embedded,
      staffAlerts,
      whenProcessed: (position, timeoutMs) => runner.whenProcessed(position, { timeoutMs }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}


/**
 * Whether the AMQP intake runs on a thread of its own: INTAKE_THREAD, which loadConfig accepts only
 * on a PostgreSQL server; never for a start that hands the intake something no thread can take (a
 * clock, a hook).
 */
function intakeOnThread(config: Config, overrides: ServiceOverrides): boolean {
  return config.INTAKE_THREAD && overrides.intake === undefined && overrides.clock === undefined;
}

/** The options given, without those set to undefined (which would hide a default when spread). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

async function resolveTokens(config: Config, embedded: boolean): Promise<{ tokens: ApiTokens; generated: { tokens: ApiToken[]; path: string } | null }> {
  if (config.API_TOKENS) {
    const { tokens, problems } = parseApiTokens(config.API_TOKENS);
    if (problems.length > 0) throw new ConfigError(problems);
    return { tokens: new ApiTokens(tokens), generated: null };
  }
  if (!embedded) throw new ConfigError([API_TOKENS_REQUIRED]);
  const made = await embeddedApiTokens(config.DATA_DIR);
  return { tokens: new ApiTokens(made.tokens), generated: made.created ? { tokens: made.tokens, path: made.path } : null };
}
