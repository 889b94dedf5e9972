import type { StaffEventType } from '../event-catalogue.ts';
import { email, type EmailDetail } from './email-template.ts';
import { inApp, push, sms, whatsapp, type ChannelTemplates } from './template-source.ts';

/** A staff alert written once: its headline, its one-sentence summary, its details and its WhatsApp form. */
export interface StaffAlertSpec {
  version: number;
  title: string;
  summary: string;
  details: readonly EmailDetail[];
  whatsapp: { body: string; parameters: readonly string[] };
}

export const patientDetail: EmailDetail = { label: 'Patient', value: '{{ patientName }}', when: 'patientName' };
export const centreDetail: EmailDetail = { label: 'Centre', value: '{{ centreName }}' };

/**
 * Staff alerts go out on every channel a routing rule may choose, so one spec yields them all.
 * The WhatsApp name is the event type with the dot replaced (`billing_bill_generated`).
 */
export function staffAlert(eventType: StaffEventType, spec: StaffAlertSpec): ChannelTemplates {
  const { version, title, summary } = spec;
  return {
    whatsapp: whatsapp(version, eventType.replace('.', '_'), spec.whatsapp.body, spec.whatsapp.parameters),
    email: email({
      version,
      locale: 'en',
      subject: `${title} ({{ centreName }})`,
      greeting: '{% if staffName %}Hello {{ staffName }},{% else %}Hello,{% endif %}',
      intro: [summary],
      details: spec.details,
      signoff: 'Sent to you by a routing rule for {{ centreName }}.',
    }),
    sms: sms(version, `{{ centreName }}: ${summary}`),
    push: push(version, title, summary, { eventType }),
    in_app: inApp(version, title, summary),
  };
}
