import type { Appointment, Centre, Doctor, Money, Patient } from '../intake/payload-parts.ts';
import { formatCalendarDate, formatMoney, formatWallTime } from './template-formatting.ts';
import { formattingLocale, recipientLocale, templateLocale, type TemplateLocale } from './template-locale.ts';
import { appointmentStatusWords } from './template-words.ts';

/** Flat, already formatted strings, keyed by variable name. An optional field the event lacks is absent, never "". */
export type TemplateVariables = Record<string, string>;

/** Who the message is for, where the payload alone does not say. */
export interface RecipientContext {
  /** The recipient's own BCP 47 locale. Default: `recipientLocale(patient, centre)` (staff events: the centre's). */
  locale?: string;
  /**
   * The language of the template the message will be rendered with (`templateFor(...).locale`), so
   * dates and words match the text around them. Default: `templateLocale(locale)`.
   */
  templateLocale?: TemplateLocale;
  /** doctor.emergency_leave: the `affected[]` entry (by appointment id) this message is about. */
  appointmentId?: string;
  /** walkin.queue_updated: the token this message is about. */
  tokenNumber?: string;
  /** A staff recipient's name, given to templates as `staffName`. */
  staffName?: string;
}

export interface Formatting {
  language: TemplateLocale;
  locale: string;
  timeZone: string;
}

/** How to format for this recipient: `patient` is the recipient when the message goes to a patient. */
export function formatting(ctx: RecipientContext, patient: Patient | undefined, centre: Centre): Formatting {
  const recipient = ctx.locale ?? recipientLocale(patient, centre);
  const language = ctx.templateLocale ?? templateLocale(recipient);
  return { language, locale: formattingLocale(recipient, language), timeZone: centre.timeZone };
}

export const opt = (name: string, value: string | undefined): TemplateVariables => (value === undefined ? {} : { [name]: value });

export const patientVars = (p: Patient | undefined): TemplateVariables =>
  p ? { patientName: p.name, ...opt('patientPhone', p.phone), ...opt('patientEmail', p.email) } : {};

export const appointmentVars = (a: Appointment, f: Formatting): TemplateVariables => ({
  bookingReference: a.bookingReference,
  slotDate: formatCalendarDate(a.slotDate, f.locale),
  slotTime: formatWallTime(a.slotTime, f.locale),
  appointmentStatus: appointmentStatusWords(a.status, f.language),
});

export const money = (m: Money, f: Formatting): string => formatMoney(m.amount, m.currency, f.locale);
export const optMoney = (m: Money | undefined, f: Formatting): string | undefined => (m ? money(m, f) : undefined);

export interface Visit {
  appointment: Appointment;
  patient: Patient;
  doctor: Doctor;
  centre: Centre;
}

export const visitVars = (d: Visit, f: Formatting): TemplateVariables => ({
  ...patientVars(d.patient),
  ...appointmentVars(d.appointment, f),
  doctorName: d.doctor.name,
  centreName: d.centre.name,
});
