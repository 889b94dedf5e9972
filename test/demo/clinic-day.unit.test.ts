import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';
import { planClinicDay } from '../../src/demo/clinic-day.ts';

const now = new Date('2026-11-24T04:07:20Z');
const day = planClinicDay({ now, runId: '20261124-abc123', reminderLeadMs: 20_000 });
const withTime = (envelope: Record<string, unknown>) => ({ ...envelope, occurredAt: now.toISOString() });

describe('the simulated clinic day', () => {
  it('sends only valid envelopes as its events', () => {
    const problems = day.steps.flatMap((s) => {
      if (s.kind !== 'event') return [];
      const parsed = parseEnvelope(withTime({ ...s.envelope }));
      return parsed.ok ? [] : [`${s.envelope.type}: ${JSON.stringify(parsed.error)}`];
    });
    expect(problems).toEqual([]);
  });

  it('sends malformed events that the service refuses', () => {
    const malformed = day.steps.filter((s) => s.kind === 'malformed');
    expect(malformed.length).toBeGreaterThanOrEqual(3);
    for (const s of malformed) expect(parseEnvelope(withTime(s.envelope)).ok).toBe(false);
  });

  it('repeats only events it sent before', () => {
    const sent = new Set<string>();
    const repeats: string[] = [];
    for (const s of day.steps) {
      if (s.kind === 'event') sent.add(s.envelope.eventId);
      if (s.kind === 'duplicate') {
        expect(sent.has(s.of)).toBe(true);
        repeats.push(s.of);
      }
    }
    expect(repeats.length).toBeGreaterThanOrEqual(3);
  });

  it('covers every upstream event type but the rarer package ones', () => {
    const types = new Set(day.steps.flatMap((s) => (s.kind === 'event' ? [s.envelope.type] : [])));
    expect([...types].sort()).toEqual(
      [
        'appointment.cancelled', 'appointment.completed', 'appointment.confirmed', 'appointment.no_show',
        'appointment.pending_approval', 'appointment.rejected', 'appointment.rescheduled', 'billing.bill_generated',
        'billing.deposit_received', 'billing.refund_processed', 'clinical.prescription_ready', 'clinical.report_ready',
        'doctor.emergency_leave', 'lab.test_requested', 'package.purchased', 'package.redeemed', 'walkin.queue_updated',
        'walkin.token_called',
      ].sort(),
    );
  });

  it('books the first slots so that their 30-minute reminders fall due 20 to 80 seconds after the start', () => {
    const leadMs = day.remindersDueAt.getTime() - now.getTime();
    expect(leadMs).toBeGreaterThanOrEqual(20_000);
    expect(leadMs).toBeLessThan(80_000);
    expect(day.remindingBookings).toHaveLength(3);
  });

  it('writes the slots as wall-clock time in Asia/Kolkata', () => {
    const first = day.steps[0];
    if (first?.kind !== 'event') throw new Error('the day starts with an event');
    // 04:07:20Z + 30 min + 20 s, rounded up to the minute, is 04:38Z: 10:08 in India.
    expect(first.envelope.data.appointment).toMatchObject({ slotDate: '2026-11-24', slotTime: '10:08' });
  });
});
