import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, PAYLOAD_SCHEMAS } from '../../src/domain/event-catalogue.ts';
import { formatMoney } from '../../src/domain/templates/template-formatting.ts';
import { formattingLocale, recipientLocale, templateLocale, templateVariables } from '../../src/domain/templates/template-variables.ts';
import { FULL, MINIMAL, affected, appointment, contextFor, doctor, hindiPatient, kathmandu, kolkata, patient } from './template-fixtures.ts';

describe('the template fixtures', () => {
  it.each(EVENT_TYPES)('%s: the full and the minimal payload both satisfy the contract', (type) => {
    expect(PAYLOAD_SCHEMAS[type].safeParse(FULL[type]).success).toBe(true);
    expect(PAYLOAD_SCHEMAS[type].safeParse(MINIMAL[type]).success).toBe(true);
  });
});

describe('templateVariables', () => {
  it.each(EVENT_TYPES)('%s: every variable is a non-empty string, never "undefined"', (type) => {
    for (const payloads of [FULL, MINIMAL]) {
      const vars = templateVariables(type, payloads[type] as never, contextFor(type, payloads));
      for (const value of Object.values(vars)) {
        expect(typeof value).toBe('string');
        expect(value).not.toBe('');
        expect(value).not.toMatch(/undefined|NaN|\[object/);
      }
    }
  });

  it('gives a confirmed appointment its common variables, formatted for en-IN', () => {
    expect(templateVariables('appointment.confirmed', FULL['appointment.confirmed'])).toEqual({
      patientName: 'Asha Verma',
      patientPhone: '+919876543210',
      patientEmail: 'asha@example.com',
      bookingReference: 'BK-1001',
      slotDate: 'Thursday, 26 November 2026',
      slotTime: '9:30 am',
      appointmentStatus: 'Confirmed',
      doctorName: 'Dr. Meera Rao',
      centreName: 'Leap Clinic Indiranagar',
      amount: '₹1,250.00',
      paymentStatus: 'Paid',
    });
  });

  it('leaves optional fields the event lacks absent, so strict templates can tell', () => {
    const vars = templateVariables('appointment.confirmed', MINIMAL['appointment.confirmed']);
    for (const name of ['patientPhone', 'patientEmail', 'amount', 'paymentStatus']) expect(vars).not.toHaveProperty(name);
  });

  it('formats a Hindi-speaking patient\'s slot, status and payment in Hindi', () => {
    const vars = templateVariables('appointment.confirmed', { ...FULL['appointment.confirmed'], patient: hindiPatient });
    expect(vars).toMatchObject({ slotDate: 'गुरुवार, 26 नवंबर 2026', slotTime: '9:30 am', appointmentStatus: 'पुष्ट', paymentStatus: 'भुगतान हो गया', amount: '₹1,250.00' });
  });

  it('shows the slot as the centre wrote it, whatever the centre\'s zone: slots are wall-clock time', () => {
    const vars = templateVariables('appointment.completed', { ...FULL['appointment.completed'], centre: kathmandu });
    expect(vars).toMatchObject({ slotDate: 'Thursday, 26 November 2026', slotTime: '9:30 am' });
  });

  it.each([
    ['Asia/Kolkata', kolkata, 'Thursday, 26 November 2026 at 9:00 am', 'Friday, 27 November 2026 at 6:00 pm'],
    ['Asia/Kathmandu (+05:45)', kathmandu, 'Thursday, 26 November 2026 at 9:15 am', 'Friday, 27 November 2026 at 6:15 pm'],
  ])('renders emergency leave instants in the centre\'s zone: %s', (_zone, centre, from, until) => {
    const data = { ...FULL['doctor.emergency_leave'], centre };
    expect(templateVariables('doctor.emergency_leave', data, { appointmentId: 'appt-1' })).toMatchObject({ leaveFrom: from, leaveUntil: until });
  });

  it('gives each emergency-leave recipient their own appointment, refund and reschedule link, in their own language', () => {
    const data = { ...FULL['doctor.emergency_leave'], affected: [affected('appt-1', patient, 'BK-1001'), { ...affected('appt-2', hindiPatient, 'BK-1002'), refund: { amount: '750.5', currency: 'INR' } }] };
    expect(templateVariables('doctor.emergency_leave', data, { appointmentId: 'appt-2' })).toMatchObject({
      patientName: 'राहुल शर्मा',
      bookingReference: 'BK-1002',
      refundAmount: '₹750.50',
      rescheduleLink: 'https://book.example.com/r/BK-1002',
      leaveFrom: 'गुरुवार, 26 नवंबर 2026 को 9:00 am बजे',
    });
  });

  it('has no patient variables for an emergency-leave appointment the event does not list', () => {
    const vars = templateVariables('doctor.emergency_leave', FULL['doctor.emergency_leave'], { appointmentId: 'appt-unknown' });
    expect(vars).not.toHaveProperty('patientName');
    expect(vars).toHaveProperty('doctorName', 'Dr. Meera Rao');
  });

  it.each([['24h', '24 hours', '24 घंटे'], ['2h', '2 hours', '2 घंटे'], ['30m', '30 minutes', '30 मिनट']] as const)(
    'words a %s reminder as "%s" and "%s"',
    (offset, en, hi) => {
      const data = { ...FULL['appointment.reminder'], offset };
      expect(templateVariables('appointment.reminder', data).reminderOffset).toBe(en);
      expect(templateVariables('appointment.reminder', { ...data, patient: hindiPatient }).reminderOffset).toBe(hi);
    },
  );

  it('gives walk-in messages the token, queue, position and room', () => {
    expect(templateVariables('walkin.token_called', FULL['walkin.token_called'])).toMatchObject({ tokenNumber: 'A-017', queueName: 'General OPD', room: 'Room 4' });
    expect(templateVariables('walkin.approaching_turn', FULL['walkin.approaching_turn'])).toMatchObject({ tokenNumber: 'A-017', position: '3', room: 'Room 4' });
    expect(templateVariables('walkin.queue_updated', FULL['walkin.queue_updated'], { tokenNumber: 'A-017' })).toMatchObject({ patientName: 'Asha Verma', position: '3' });
  });

  it('gives a reschedule both the new and the previous slot', () => {
    expect(templateVariables('appointment.rescheduled', FULL['appointment.rescheduled'])).toMatchObject({
      slotDate: 'Saturday, 28 November 2026', slotTime: '4:45 pm', previousSlotDate: 'Thursday, 26 November 2026', previousSlotTime: '9:30 am',
    });
  });

  it('words a cancellation: who cancelled, why, and the refund', () => {
    expect(templateVariables('appointment.cancelled', FULL['appointment.cancelled'])).toMatchObject({
      cancelledBy: 'the clinic', cancellationReason: 'Clinic closed for maintenance', refundAmount: '₹500.00',
    });
  });

  it('gives staff alerts their fields and the staff member\'s name, formatted in the centre\'s locale not the patient\'s', () => {
    const bill = { ...FULL['billing.bill_generated'], patient: hindiPatient };
    expect(templateVariables('billing.bill_generated', bill, { staffName: 'Priya' })).toMatchObject({
      billNumber: 'INV-2026-0042', amount: '₹1,250.00', staffName: 'Priya', patientName: 'राहुल शर्मा',
    });
    expect(templateVariables('package.redeemed', FULL['package.redeemed'])).toMatchObject({
      packageName: 'Physiotherapy x10', sessionsTotal: '10', sessionsUsed: '4', sessionsRemaining: '6', packageValidUntil: 'Monday, 31 May 2027',
    });
    expect(templateVariables('lab.test_requested', FULL['lab.test_requested'])).toMatchObject({ testName: 'HbA1c', testPriority: 'Urgent', doctorName: 'Dr. Meera Rao' });
    expect(templateVariables('billing.refund_processed', FULL['billing.refund_processed'])).toMatchObject({ refundAmount: '₹500.00', refundReason: 'Duplicate payment', billNumber: 'INV-2026-0042' });
    expect(templateVariables('billing.deposit_received', FULL['billing.deposit_received'])).toMatchObject({ amount: '₹2,000.00', depositMethod: 'UPI' });
  });

  it('words an unknown appointment status readably and ignores prototype names', () => {
    const visit = { appointment: { ...appointment, status: 'awaiting_payment' }, patient, doctor, centre: kolkata };
    expect(templateVariables('appointment.completed', visit).appointmentStatus).toBe('Awaiting payment');
    const odd = { ...visit, appointment: { ...appointment, status: 'constructor' } };
    expect(templateVariables('appointment.completed', odd).appointmentStatus).toBe('Constructor');
  });
});

describe('amounts', () => {
  it.each([
    ['1250.00', 'INR', 'en-IN', '₹1,250.00'],
    ['1250', 'INR', 'hi', '₹1,250.00'],
    ['12345678.9', 'INR', 'en-IN', '₹1,23,45,678.90'],
    ['99.5', 'USD', 'en-IN', '$99.50'],
    ['0.5', 'NPR', 'en-IN', 'NPR 0.50'],
    ['1250', 'JPY', 'en-IN', 'JP¥1,250'],
    ['1250.5', 'JPY', 'en-IN', 'JP¥1,250.5'],
  ])('%s %s in %s is "%s"', (amount, currency, locale, expected) => {
    expect(formatMoney(amount, currency, locale)).toBe(expected);
  });
});

describe('locales', () => {
  it.each([
    [{ locale: 'hi' }, { locale: 'en-GB' }, 'hi'],
    [{}, { locale: 'en-GB' }, 'en-GB'],
    [{}, {}, 'en-IN'],
    [undefined, undefined, 'en-IN'],
  ])('patient %j at centre %j reads %s', (p, c, expected) => {
    expect(recipientLocale(p, c)).toBe(expected);
  });

  it.each([['hi', 'hi'], ['hi-IN', 'hi'], ['en-IN', 'en'], ['ta-IN', 'en'], ['ar', 'en'], ['not a locale', 'en']] as const)(
    '%s is written with the %s templates',
    (locale, expected) => expect(templateLocale(locale)).toBe(expected),
  );

  it.each([['en-GB', 'en', 'en-GB'], ['hi', 'hi', 'hi'], ['ta-IN', 'en', 'en-IN'], ['ta', 'en', 'en-IN'], ['hi-IN', 'en', 'en-IN']] as const)(
    'a %s reader of %s text gets numbers and dates in %s',
    (recipient, language, expected) => expect(formattingLocale(recipient, language)).toBe(expected),
  );
});
