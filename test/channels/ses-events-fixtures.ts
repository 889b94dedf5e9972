import { NOTIFICATION_ID } from './outbound-fixtures.ts';

export const SES_MESSAGE_ID = '0109019a1b2c3d4e-5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c-000000';

/** The `mail` object of an SES event (docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html). */
const mail = {
  timestamp: '2026-11-24T09:00:00.000Z',
  source: 'appointments@clinic.example',
  sourceArn: 'arn:aws:ses:ap-south-1:123456789012:identity/clinic.example',
  sendingAccountId: '123456789012',
  messageId: SES_MESSAGE_ID,
  destination: ['asha@example.com'],
  headersTruncated: false,
  commonHeaders: { from: ['appointments@clinic.example'], to: ['asha@example.com'], messageId: SES_MESSAGE_ID, subject: 'Your appointment is confirmed' },
  tags: { 'ses:configuration-set': ['clinic-events'], 'ses:source-ip': ['10.0.0.1'], notification_id: [NOTIFICATION_ID] },
};

export const deliveryEvent = {
  eventType: 'Delivery',
  mail,
  delivery: {
    timestamp: '2026-11-24T09:00:02.345Z', processingTimeMillis: 2345, recipients: ['asha@example.com'],
    smtpResponse: '250 2.6.0 Message received', reportingMTA: 'a8-70.smtp-out.amazonses.com',
  },
};

export const sendEvent = { eventType: 'Send', mail, send: {} };

export const permanentBounceEvent = {
  eventType: 'Bounce',
  mail,
  bounce: {
    feedbackId: '0102019a-bounce-000000', bounceType: 'Permanent', bounceSubType: 'General',
    bouncedRecipients: [{ emailAddress: 'asha@example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <asha@example.com>: user unknown' }],
    timestamp: '2026-11-24T09:00:03.000Z', reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
  },
};

export const transientBounceEvent = {
  eventType: 'Bounce',
  mail,
  bounce: {
    feedbackId: '0102019a-bounce-000001', bounceType: 'Transient', bounceSubType: 'MailboxFull',
    bouncedRecipients: [{ emailAddress: 'asha@example.com', action: 'failed', status: '4.2.2' }],
    timestamp: '2026-11-24T09:00:03.000Z',
  },
};

export const complaintEvent = {
  eventType: 'Complaint',
  mail,
  complaint: {
    feedbackId: '0102019a-complaint-000000', complaintSubType: null, complainedRecipients: [{ emailAddress: 'asha@example.com' }],
    timestamp: '2026-11-24T10:15:00.000Z', userAgent: 'Yahoo!-Mail-Feedback/2.0', complaintFeedbackType: 'abuse', arrivalDate: '2026-11-24T10:14:00.000Z',
  },
};

/** The older identity-notification feed names the kind `notificationType`. */
export const identityBounceNotification = { ...permanentBounceEvent, eventType: undefined, notificationType: 'Bounce' };
