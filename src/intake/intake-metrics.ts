import { Counter, Gauge, type Registry } from 'prom-client';
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

/**
 * The intake's metrics on `registry`. Several consumers in one process (tests, a service running
 * two) share one set: asking again returns the metrics already registered.
 */
export function createIntakeMetrics(registry: Registry): IntakeMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
  const inFlight =
    (registry.getSingleMetric('intake_messages_in_flight') as Gauge | undefined) ??
    new Gauge({ name: 'intake_messages_in_flight', help: 'AMQP messages delivered and not yet acked or returned', registers: [registry] });
  return {
    received: counter('intake_messages_received_total', 'AMQP messages delivered to the intake consumer'),
    recorded: counter('intake_events_recorded_total', 'Inbound events newly recorded in the ledger'),
    duplicates: counter('intake_duplicates_total', 'Repeats of an event inside the dedup window, acked and not processed', ['payload_matches']),
    deadLettered: counter('intake_dead_lettered_total', 'Messages published to the dead-letter exchange with a reason', ['reason']),
    inFlight,
    ledgerPauses: counter('intake_ledger_pauses_total', 'Times consumption paused because the ledger was unavailable'),
    reconnects: counter('intake_reconnects_total', 'Broker sessions re-opened after a lost connection or channel'),
  };
}
