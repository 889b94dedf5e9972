import { Counter, Gauge, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import type { EnvelopeRejection } from '../domain/intake/envelope.ts';

/**
 * Why a message went to the dead-letter queue: a rejection kind, the ledger refusing the event, or
 * handling it failing in a way that is the message's own problem (`unprocessable`).
 */
export type DeadLetterKind = EnvelopeRejection['kind'] | 'ledger-refused' | 'unprocessable';

export interface IntakeMetrics {
  received: Counter;
  recorded: Counter;
  duplicates: Counter<'payload_matches'>;
  deadLettered: Counter<'reason'>;
  inFlight: Gauge;
  ledgerPauses: Counter;
  reconnects: Counter;
}

/** The intake's metrics, by the field each is kept in. */
const DEFINITIONS = {
  received: { type: 'counter', name: 'intake_messages_received_total', help: 'AMQP messages delivered to the intake consumer', labelNames: [] },
  recorded: { type: 'counter', name: 'intake_events_recorded_total', help: 'Inbound events newly recorded in the ledger', labelNames: [] },
  duplicates: { type: 'counter', name: 'intake_duplicates_total', help: 'Repeats of an event inside the dedup window, acked and not processed', labelNames: ['payload_matches'] },
  deadLettered: { type: 'counter', name: 'intake_dead_lettered_total', help: 'Messages published to the dead-letter exchange with a reason', labelNames: ['reason'] },
  inFlight: { type: 'gauge', name: 'intake_messages_in_flight', help: 'AMQP messages delivered and not yet acked or returned', labelNames: [] },
  ledgerPauses: { type: 'counter', name: 'intake_ledger_pauses_total', help: 'Times consumption paused because the ledger was unavailable', labelNames: [] },
  reconnects: { type: 'counter', name: 'intake_reconnects_total', help: 'Broker sessions re-opened after a lost connection or channel', labelNames: [] },
} as const satisfies Record<keyof IntakeMetrics, { type: 'counter' | 'gauge'; name: string; help: string; labelNames: readonly string[] }>;

/**
 * The intake's metrics on `registry`. Several consumers in one process (tests, a service running
 * two) share one set: asking again returns the metrics already registered.
 */
export function createIntakeMetrics(registry: Registry): IntakeMetrics {
  const made = (field: keyof IntakeMetrics) => {
    const { type, name, help, labelNames } = DEFINITIONS[field];
    return registry.getSingleMetric(name) ?? (type === 'gauge' ? new Gauge({ name, help, labelNames, registers: [registry] }) : new Counter({ name, help, labelNames, registers: [registry] }));
  };
  return {
    received: made('received') as Counter,
    recorded: made('recorded') as Counter,
    duplicates: made('duplicates') as Counter<'payload_matches'>,
    deadLettered: made('deadLettered') as Counter<'reason'>,
    inFlight: made('inFlight') as Gauge,
    ledgerPauses: made('ledgerPauses') as Counter,
    reconnects: made('reconnects') as Counter,
  };
}

/**
 * The intake's metrics on `registry`, each answering what `read` says another registry holds (an
 * intake on a thread of its own) whenever it is read: a scrape, or a test asking for one.
 * `read` is asked once per scrape, however many metrics it answers.
 */
export function mirrorIntakeMetrics(registry: Registry, read: () => Promise<MetricObjectWithValues<MetricValue<string>>[]>): void {
  let reading: Promise<Map<string, MetricValue<string>[]>> | null = null;
  const snapshot = () => {
    // Every metric of one scrape is collected in the same turn: they share one read.
    reading ??= read().then((metrics) => new Map(metrics.map((m) => [m.name, m.values])));
    const taken = reading;
    setImmediate(() => {
      if (reading === taken) reading = null;
    });
    return taken;
  };
  for (const { type, name, help, labelNames } of Object.values(DEFINITIONS)) {
    if (registry.getSingleMetric(name)) continue;
    async function collect(this: Counter<string> | Gauge<string>): Promise<void> {
      const values = (await snapshot()).get(name) ?? [];
      this.reset();
      for (const { labels, value } of values) {
        if (this instanceof Gauge) this.set(labels as Record<string, string>, value);
        else this.inc(labels as Record<string, string>, value);
      }
    }
    if (type === 'gauge') new Gauge({ name, help, labelNames, registers: [registry], collect });
    else new Counter({ name, help, labelNames, registers: [registry], collect });
  }
}
