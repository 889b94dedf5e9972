import type { OutboundMessage } from '../../src/channels/channel-port.ts';

export const NOTIFICATION_ID = '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b';

export const whatsappMessage = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  notificationId: NOTIFICATION_ID,
  channel: 'whatsapp',
  to: '+919876543210',
  attempt: 1,
  rendered: {
    channel: 'whatsapp',
    templateName: 'appointment_confirmed',
    languageCode: 'hi',
    bodyParameters: ['Asha', '26 नवंबर 2026', '09:30'],
    previewText: 'Asha, your appointment on 26 Nov 2026 at 09:30 is confirmed.',
  },
  ...overrides,
});

export const emailMessage = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  notificationId: NOTIFICATION_ID,
  channel: 'email',
  to: 'asha@example.com',
  attempt: 1,
  rendered: {
    channel: 'email',
    subject: 'Your appointment is confirmed',
    html: '<p>Dear Asha, see you on <b>26 Nov</b> at 09:30.</p>',
    text: 'Dear Asha, see you on 26 Nov at 09:30.',
  },
  ...overrides,
});

export const smsMessage = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  notificationId: NOTIFICATION_ID,
  channel: 'sms',
  to: '+14155550123',
  attempt: 1,
  rendered: { channel: 'sms', text: 'Your appointment on 26 Nov at 09:30 is confirmed. Reply STOP to opt out.', segments: 1 },
  ...overrides,
});

export const pushMessage = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  notificationId: NOTIFICATION_ID,
  channel: 'push',
  to: 'fcm-device-token-abcdefghijklmnop:APA91b',
  attempt: 1,
  rendered: { channel: 'push', title: 'Appointment confirmed', body: '26 Nov at 09:30', data: { bookingReference: 'BK-1042' } },
  ...overrides,
});
