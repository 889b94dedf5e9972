import { CHANNELS, EVENT_TYPES } from '../../src/domain/event-catalogue.ts';
import { NOTIFICATION_STATUSES } from '../../src/domain/notifications/notification-events.ts';

export { CHANNELS, EVENT_TYPES, NOTIFICATION_STATUSES };

export const CHANNEL_LABELS: Record<string, string> = {
  whatsapp: 'WhatsApp',
  email: 'Email',
  sms: 'SMS',
  push: 'Push',
  in_app: 'In-app',
};

export const channelLabel = (channel: string): string => CHANNEL_LABELS[channel] ?? channel;

/** `appointment.confirmed` -> `Appointment confirmed`. */
export function eventLabel(type: string): string {
  const [area = '', what = ''] = type.split('.');
  const words = `${area === 'walkin' ? 'Walk-in' : area} ${what.replace(/_/g, ' ')}`.trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const time = new Intl.DateTimeFormat('en-IN', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTime = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'medium', hour12: false });

export const formatTime = (iso: string): string => time.format(new Date(iso));
export const formatDateTime = (iso: string): string => dateTime.format(new Date(iso));
