import type { EventType, PayloadOf } from '../event-catalogue.ts';
import { STAFF_VARIABLE_BUILDERS } from './staff-template-variables.ts';
import { formatCalendarDate, formatCount, formatInstant, formatOffset, formatWallTime } from './template-formatting.ts';
import {
  appointmentVars,
  formatting,
  money,
  opt,
  optMoney,
  patientVars,
  visitVars,
  type RecipientContext,
  type TemplateVariables,
  type Visit,
} from './template-variable-parts.ts';
import { cancelledByWords, paymentStatusWords } from './template-words.ts';

export { recipientLocale, templateLocale, formattingLocale, type TemplateLocale } from './template-locale.ts';
export type { RecipientContext, TemplateVariables } from './template-variable-parts.ts';

type Builder<K extends EventType> = (data: PayloadOf<K>, ctx: RecipientContext) => TemplateVariables;
type Builders = { [K in EventType]: Builder<K> };

/**
 * The variables of one message about a validated event, formatted for its recipient.
 * When the context names an `affected[]` entry or a token the payload does not have, that patient's
 * variables are simply absent: rendering then fails with a typed missing-variable error (a
 * template-error suppression) rather than a crash in the planner.
 */
export function templateVariables<K extends EventType>(eventType: K, data: PayloadOf<K>, ctx: RecipientContext = {}): TemplateVariables {
  const build: Builder<K> = BUILDERS[eventType];
  return { ...build(data, ctx), ...opt('staffName', ctx.staffName) };
}

const visit = (d: Visit, ctx: RecipientContext) => visitVars(d, formatting(ctx, d.patient, d.centre));

const BUILDERS: Builders = {
  'appointment.confirmed': (d, ctx) => {
    const f = formatting(ctx, d.patient, d.centre);
    return {
      ...visitVars(d, f),
      ...opt('amount', optMoney(d.payment, f)),
      ...opt('paymentStatus', d.payment && paymentStatusWords(d.payment.status, f.language)),
    };
  },
  'appointment.pending_approval': visit,
  'appointment.rejected': (d, ctx) => ({ ...visit(d, ctx), ...opt('rejectionReason', d.reason) }),
  'appointment.cancelled': (d, ctx) => {
    const f = formatting(ctx, d.patient, d.centre);
    return {
      ...visitVars(d, f),
      cancelledBy: cancelledByWords(d.cancelledBy, f.language),
      ...opt('cancellationReason', d.reason),
      ...opt('refundAmount', optMoney(d.refund, f)),
    };
  },
  'appointment.rescheduled': (d, ctx) => {
    const f = formatting(ctx, d.patient, d.centre);
    return {
      ...visitVars(d, f),
      previousSlotDate: formatCalendarDate(d.previousSlot.slotDate, f.locale),
      previousSlotTime: formatWallTime(d.previousSlot.slotTime, f.locale),
    };
  },
  'appointment.completed': visit,
  'appointment.no_show': visit,
  'appointment.reminder': (d, ctx) => {
    const f = formatting(ctx, d.patient, d.centre);
    return { ...visitVars(d, f), reminderOffset: formatOffset(d.offset, f.locale) };
  },
  'walkin.token_called': (d) => ({
    ...patientVars(d.patient),
    centreName: d.centre.name,
    queueName: d.queue.name,
    tokenNumber: d.token.number,
    room: d.token.room,
  }),
  'walkin.approaching_turn': (d, ctx) => ({
    ...patientVars(d.patient),
    centreName: d.centre.name,
    queueName: d.queue.name,
    tokenNumber: d.token.number,
    position: formatCount(d.position, formatting(ctx, d.patient, d.centre).locale),
    ...opt('room', d.token.room),
  }),
  // Notifies nobody by itself; the walk-in projection may still want one token's variables from it.
  'walkin.queue_updated': (d, ctx) => {
    const token = ctx.tokenNumber === undefined ? undefined : d.tokens.find((t) => t.number === ctx.tokenNumber);
    const shared = { centreName: d.centre.name, queueName: d.queue.name };
    if (!token) return shared;
    return {
      ...shared,
      ...patientVars(token.patient),
      tokenNumber: token.number,
      position: formatCount(token.position, formatting(ctx, token.patient, d.centre).locale),
      ...opt('room', token.room),
    };
  },
  'clinical.prescription_ready': (d, ctx) => ({
    ...patientVars(d.patient),
    ...(d.appointment ? appointmentVars(d.appointment, formatting(ctx, d.patient, d.centre)) : {}),
    doctorName: d.doctor.name,
    centreName: d.centre.name,
    ...opt('prescriptionLink', d.prescription.link),
  }),
  'clinical.report_ready': (d) => ({
    ...patientVars(d.patient),
    ...opt('doctorName', d.doctor?.name),
    centreName: d.centre.name,
    reportName: d.report.name,
    ...opt('reportLink', d.report.link),
  }),
  'doctor.emergency_leave': (d, ctx) => {
    const entry = ctx.appointmentId === undefined ? undefined : d.affected.find((a) => a.appointment.id === ctx.appointmentId);
    const f = formatting(ctx, entry?.patient, d.centre);
    return {
      doctorName: d.doctor.name,
      centreName: d.centre.name,
      leaveFrom: formatInstant(d.leave.from, f.locale, f.timeZone),
      leaveUntil: formatInstant(d.leave.until, f.locale, f.timeZone),
      ...opt('leaveReason', d.leave.reason),
      ...(entry
        ? {
            ...patientVars(entry.patient),
            ...appointmentVars(entry.appointment, f),
            refundAmount: money(entry.refund, f),
            rescheduleLink: entry.rescheduleLink,
          }
        : {}),
    };
  },
  ...STAFF_VARIABLE_BUILDERS,
};
