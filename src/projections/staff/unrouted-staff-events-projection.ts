import { Counter, type Registry } from 'prom-client';
import { STAFF_ROUTING_EVENT_TYPES, type StaffEventUnrouted } from '../../domain/staff-routing/staff-routing-events.ts';
import { categoryOf } from '../../domain/stream-name.ts';
import { recordsetColumns, recordsetRows } from '../json-recordset.ts';
import type { Projection } from '../projection-runner.ts';

const UNROUTED_COLUMNS = {
  event_id: 'text',
  event_type: 'text',
  centre_id: 'text',
  reason: 'text',
  matched_rules: 'jsonb',
  recorded_at: 'timestamptz',
} as const;

/** Staff events nobody was notified about, for the API, and counted for /metrics. */
export function unroutedStaffEventsProjection(options: { metrics?: Registry } = {}): Projection {
  const counter = options.metrics
    ? new Counter({
        name: 'staff_events_unrouted_total',
        help: 'Staff events that reached nobody: no rule matched (no-matching-rule) or the matching rules found no active staff (no-recipients).',
        labelNames: ['event_type', 'reason'],
        registers: [options.metrics],
      })
    : null;
  return {
    name: 'unrouted-staff-events',
    kind: 'read-model',
    handles: (e) => e.type === STAFF_ROUTING_EVENT_TYPES.unrouted && categoryOf(e.stream) === 'staff-routing',
    async applyAll(trx, events) {
      const rows = events.map((event) => {
        const u = event.data as StaffEventUnrouted;
        return { event_id: u.eventId, event_type: u.eventType, centre_id: u.centreId, reason: u.reason, matched_rules: u.matchedRules, recorded_at: event.recordedAt };
      });
      await trx
        .insertInto('unrouted_staff_events')
        .columns(recordsetColumns(UNROUTED_COLUMNS))
        .expression(recordsetRows(rows, UNROUTED_COLUMNS))
        .onConflict((oc) => oc.column('event_id').doNothing())
        .execute();
    },
    // Counted once the batch is committed; a committed batch is never applied again by this process.
    afterCommit(events) {
      for (const e of events) {
        const u = e.data as StaffEventUnrouted;
        counter?.inc({ event_type: u.eventType, reason: u.reason });
      }
    },
  };
}
