import type { TemplateLocale } from './template-locale.ts';

/** Status codes in the words a patient or staff member reads, per template language. */
type Words<K extends string> = Record<TemplateLocale, Record<K, string>>;

const PAYMENT_STATUS: Words<'paid' | 'pending' | 'not_required' | 'refunded' | 'partially_refunded'> = {
  en: {
    paid: 'Paid',
    pending: 'Payment pending',
    not_required: 'No payment required',
    refunded: 'Refunded',
    partially_refunded: 'Partially refunded',
  },
  hi: {
    paid: 'भुगतान हो गया',
    pending: 'भुगतान बाकी है',
    not_required: 'भुगतान की आवश्यकता नहीं',
    refunded: 'राशि वापस कर दी गई',
    partially_refunded: 'राशि आंशिक रूप से वापस की गई',
  },
};

// Appointment status is a free string upstream; these are the ones we know how to say.
const APPOINTMENT_STATUS: Record<TemplateLocale, Record<string, string>> = {
  en: {
    booked: 'Booked',
    scheduled: 'Scheduled',
    confirmed: 'Confirmed',
    pending_approval: 'Pending approval',
    rejected: 'Rejected',
    cancelled: 'Cancelled',
    rescheduled: 'Rescheduled',
    checked_in: 'Checked in',
    completed: 'Completed',
    no_show: 'Missed',
  },
  hi: {
    booked: 'बुक',
    scheduled: 'निर्धारित',
    confirmed: 'पुष्ट',
    pending_approval: 'स्वीकृति की प्रतीक्षा में',
    rejected: 'अस्वीकृत',
    cancelled: 'रद्द',
    rescheduled: 'पुनर्निर्धारित',
    checked_in: 'चेक-इन हो गया',
    completed: 'पूर्ण',
    no_show: 'छूट गया',
  },
};

const CANCELLED_BY: Words<'patient' | 'staff' | 'system'> = {
  en: { patient: 'you', staff: 'the clinic', system: 'the clinic' },
  hi: { patient: 'आपके द्वारा', staff: 'क्लिनिक द्वारा', system: 'क्लिनिक द्वारा' },
};

const TEST_PRIORITY: Words<'routine' | 'urgent' | 'stat'> = {
  en: { routine: 'Routine', urgent: 'Urgent', stat: 'STAT (immediately)' },
  hi: { routine: 'सामान्य', urgent: 'अत्यावश्यक', stat: 'तुरंत (STAT)' },
};

export const paymentStatusWords = (status: keyof (typeof PAYMENT_STATUS)['en'], language: TemplateLocale): string =>
  PAYMENT_STATUS[language][status];

export function appointmentStatusWords(status: string, language: TemplateLocale): string {
  const words = APPOINTMENT_STATUS[language];
  const code = status.toLowerCase();
  // Own keys only: an upstream status of "constructor" must not reach Object.prototype.
  if (Object.hasOwn(words, code)) return words[code] ?? status;
  const spaced = status.replace(/[_-]+/g, ' ').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export const cancelledByWords = (by: keyof (typeof CANCELLED_BY)['en'], language: TemplateLocale): string => CANCELLED_BY[language][by];

export const testPriorityWords = (priority: keyof (typeof TEST_PRIORITY)['en'], language: TemplateLocale): string =>
  TEST_PRIORITY[language][priority];
