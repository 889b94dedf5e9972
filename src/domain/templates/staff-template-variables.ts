import type { PayloadOf, StaffEventType } from '../event-catalogue.ts';
import { formatCalendarDate, formatCount, formatInstantDate } from './template-formatting.ts';
import { formatting, money, opt, optMoney, patientVars, type RecipientContext, type TemplateVariables } from './template-variable-parts.ts';
import { testPriorityWords } from './template-words.ts';

type StaffBuilders = { [K in StaffEventType]: (data: PayloadOf<K>, ctx: RecipientContext) => TemplateVariables };

// Staff read these, so amounts and dates follow the staff member's locale (or the centre's), never the patient's.
const packageVariables = (d: PayloadOf<'package.purchased'>, ctx: RecipientContext): TemplateVariables => {
  const f = formatting(ctx, undefined, d.centre);
  const { sessionsTotal, sessionsUsed, validUntil } = d.package;
  const count = (n: number | undefined) => (n === undefined ? undefined : formatCount(n, f.locale));
  const remaining = sessionsTotal !== undefined && sessionsUsed !== undefined ? Math.max(0, sessionsTotal - sessionsUsed) : undefined;
  // validUntil is either a calendar date (shown as written) or an instant (shown as the date at the centre).
  const validDate = validUntil === undefined ? undefined
    : validUntil.length === 10 ? formatCalendarDate(validUntil, f.locale) : formatInstantDate(validUntil, f.locale, f.timeZone);
  return {
    ...patientVars(d.patient),
    centreName: d.centre.name,
    packageName: d.package.name,
    ...opt('sessionsTotal', count(sessionsTotal)),
    ...opt('sessionsUsed', count(sessionsUsed)),
    ...opt('sessionsRemaining', count(remaining)),
    ...opt('packageValidUntil', validDate),
    ...opt('amount', optMoney(d.amount, f)),
  };
};

export const STAFF_VARIABLE_BUILDERS: StaffBuilders = {
  'billing.bill_generated': (d, ctx) => ({
    ...patientVars(d.patient),
    centreName: d.centre.name,
    billNumber: d.bill.number,
    amount: money(d.bill, formatting(ctx, undefined, d.centre)),
  }),
  'billing.refund_processed': (d, ctx) => ({
    ...patientVars(d.patient),
    centreName: d.centre.name,
    refundAmount: money(d.refund, formatting(ctx, undefined, d.centre)),
    ...opt('refundReason', d.refund.reason),
    ...opt('billNumber', d.bill?.number),
  }),
  'billing.deposit_received': (d, ctx) => ({
    ...patientVars(d.patient),
    centreName: d.centre.name,
    amount: money(d.deposit, formatting(ctx, undefined, d.centre)),
    ...opt('depositMethod', d.deposit.method),
  }),
  'package.purchased': packageVariables,
  'package.redeemed': packageVariables,
  'package.expired': packageVariables,
  'package.exhausted': packageVariables,
  'lab.test_requested': (d, ctx) => ({
    ...patientVars(d.patient),
    centreName: d.centre.name,
    testName: d.test.name,
    testPriority: testPriorityWords(d.test.priority, formatting(ctx, undefined, d.centre).language),
    ...opt('doctorName', d.doctor?.name),
  }),
  'system.alert': (d) => ({
    alertKind: d.alert.kind,
    alertSubject: d.alert.subject,
    alertMessage: d.alert.message,
    // Staff alerts name their centre; an alert about the whole service names no single one.
    centreName: d.centre?.name ?? 'every centre',
  }),
  'patient.replied': (d) => ({
    ...opt('patientName', d.patients.map((p) => p.name ?? p.id).join(', ') || undefined),
    replyChannel: d.reply.channel === 'whatsapp' ? 'WhatsApp' : 'SMS',
    replyText: d.reply.text ?? describeMessage(d.reply.messageType),
    centreName: d.centre?.name ?? 'no centre yet',
  }),
};

/** What a reply without words was, for the alert. */
const describeMessage = (type: PayloadOf<'patient.replied'>['reply']['messageType']): string =>
  type === 'location' ? '(a location)' : type === 'media' ? '(a photo, document or voice note)' : '(no text)';
