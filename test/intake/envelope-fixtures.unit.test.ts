import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';
import { UPSTREAM_EVENT_TYPES } from '../../src/domain/event-catalogue.ts';
import { UPSTREAM_TYPES, validEnvelope } from '../support/envelopes.ts';
import { FIXTURE_NOW, slotAfter, slotStart, type Slot } from '../support/slots.ts';

/** Every appointment slot an envelope names, and its leave window if it has one. */
function slotsOf(data: Record<string, unknown>): Slot[] {
  const d = data as { appointment?: Slot; previousSlot?: Slot; affected?: { appointment: Slot }[] };
  return [d.appointment, d.previousSlot, ...(d.affected ?? []).map((a) => a.appointment)].filter((s): s is Slot => s !== undefined);
}

// Late evening, midnight and early morning at the centre, a month end and a year end: slots that
// roll over a date must still lie ahead.
const RUN_TIMES = ['2026-11-24T09:30:00Z', '2026-12-31T18:29:00Z', '2027-01-31T18:45:00Z', '2027-06-15T00:10:00Z', '2028-02-28T20:00:00Z'];

describe('the envelope fixtures', () => {
  it('cover exactly the upstream types of the catalogue', () => {
    expect([...UPSTREAM_TYPES].sort()).toEqual([...UPSTREAM_EVENT_TYPES].sort());
  });

  it.each(UPSTREAM_TYPES)('give a valid %s envelope', (type) => {
    const parsed = parseEnvelope(validEnvelope(type));
    expect(parsed).toMatchObject({ ok: true, value: { type } });
  });

  it('give each call its own eventId and its own objects', () => {
    const a = validEnvelope('walkin.queue_updated');
    const b = validEnvelope('walkin.queue_updated');
    expect(a.eventId).not.toBe(b.eventId);
    expect(a.data).not.toBe(b.data);
    expect(a.data).toEqual(b.data);
  });

  it('built for FIXTURE_NOW, keep the documented slot: 26 November 2026 at 09:30 in Kolkata', () => {
    expect(validEnvelope('appointment.confirmed').data.appointment).toMatchObject({ slotDate: '2026-11-26', slotTime: '09:30' });
    expect(slotAfter(FIXTURE_NOW, { days: 1, hours: 18, minutes: 30 })).toEqual({ slotDate: '2026-11-26', slotTime: '09:30' });
  });

  describe.each(RUN_TIMES)('built for %s', (iso) => {
    const now = new Date(iso);

    it.each(UPSTREAM_TYPES)('give a valid %s envelope whose slots and leave lie ahead', (type) => {
      const raw = validEnvelope(type, {}, now);
      expect(parseEnvelope(raw)).toMatchObject({ ok: true });
      expect(raw.occurredAt).toBe(now.toISOString().replace('.000Z', 'Z'));
      for (const slot of slotsOf(raw.data)) expect(slotStart(slot).getTime()).toBeGreaterThan(now.getTime() + 24 * 3_600_000);
      const leave = (raw.data as { leave?: { from: string; until: string } }).leave;
      if (leave) {
        expect(Date.parse(leave.from)).toBeGreaterThan(now.getTime());
        for (const slot of slotsOf(raw.data)) expect(slotStart(slot).getTime()).toBeLessThan(Date.parse(leave.until));
      }
    });
  });
});
