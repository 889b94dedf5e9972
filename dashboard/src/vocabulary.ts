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

// Conversations.

const MESSAGE_TYPE_LABELS: Record<string, string> = {
  text: 'Text',
  button: 'Button reply',
  media: 'Attachment',
  location: 'Location',
  template: 'Template',
};

const MEDIA_KIND_LABELS: Record<string, string> = {
  image: 'Photo',
  document: 'Document',
  audio: 'Voice note',
  voice: 'Voice note',
  video: 'Video',
  sticker: 'Sticker',
};

export const messageTypeLabel = (type: string): string => MESSAGE_TYPE_LABELS[type] ?? type;
export const mediaKindLabel = (kind: string): string => MEDIA_KIND_LABELS[kind] ?? kind;

/** What a consent keyword did, in words. */
export const INTENT_LABELS: Record<string, string> = {
  'opt-out': 'Opt-out keyword: no more messages on this channel',
  'opt-in': 'Opt-in keyword: messages resumed',
};

const shortDateTime = new Intl.DateTimeFormat('en-IN', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });

/** The time alone for today, the day and time otherwise. */
export function formatWhen(iso: string, now = new Date()): string {
  const at = new Date(iso);
  return at.toDateString() === now.toDateString() ? formatTime(iso) : shortDateTime.format(at);
}

/** `23 h 5 min`, `12 min`, `under a minute`. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}
