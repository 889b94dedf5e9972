import type { FieldIssue } from '../intake/envelope.ts';
import { deterministicUuid } from '../ids.ts';
import { ERASED } from '../keys/personal-data.ts';
import type { NotificationPlanned } from '../notifications/notification-events.ts';
import { err, ok, type Result } from '../result.ts';

/** WhatsApp's limit on a text message's body. */
export const MAX_REPLY_LENGTH = 4096;
const MAX_IDEMPOTENCY_KEY = 200;

/** The conversation a reply goes into, as the read model holds it. */
export interface ReplyTarget {
  conversationId: string;
  /** E.164, opened from the read model's sealed copy; `[erased]` once the number's key is gone. */
  address: string;
  centreId: string | null;
  /** Null when the number never wrote on WhatsApp. */
  windowClosesAt: Date | null;
  /** The staff event the latest message raised: the reply's cause. */
  causeEventId: string;
}

export interface ReplyCommand {
  patientId: string;
  text: string;
  idempotencyKey: string;
  actor: string;
  locale: string;
}

export type ReplyRefusal =
  | { kind: 'invalid-input'; issues: FieldIssue[] }
  | { kind: 'window-closed'; closedAt: Date | null }
  | { kind: 'contact-erased' };

/** The reply's notification id: from the caller's key (per patient), so a retried call is the same notification. */
export const replyNotificationId = (patientId: string, idempotencyKey: string): string =>
  deterministicUuid('reply', patientId, idempotencyKey);

/** What the input says wrong, by field, before anything is looked up. */
export function replyInputIssues(command: Pick<ReplyCommand, 'text' | 'idempotencyKey' | 'patientId'>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (command.patientId.trim() === '') issues.push({ path: 'patientId', message: 'must not be empty' });
  if (command.text.trim() === '') issues.push({ path: 'text', message: 'must not be empty' });
  if ([...command.text].length > MAX_REPLY_LENGTH) issues.push({ path: 'text', message: `must be at most ${MAX_REPLY_LENGTH} characters (WhatsApp's limit)` });
  if (command.idempotencyKey.trim() === '' || command.idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
    issues.push({ path: 'idempotencyKey', message: `must be 1 to ${MAX_IDEMPOTENCY_KEY} characters` });
  }
  return issues;
}

/**
 * A free-form WhatsApp reply, inside the patient's 24-hour window: recorded as a notification of its
 * own (attempts, receipts), urgent (due now, no quiet hours), with the window's close as its deadline
 * and no fallback (a reply is an answer on WhatsApp or nothing). Outside the window, nothing; to a
 * number erased with its person, nothing.
 */
export function decideReply(target: ReplyTarget, command: ReplyCommand, now: Date): Result<NotificationPlanned, ReplyRefusal> {
  const issues = replyInputIssues(command);
  if (issues.length > 0) return err({ kind: 'invalid-input', issues });
  if (target.address === ERASED) return err({ kind: 'contact-erased' });
  if (target.windowClosesAt === null || target.windowClosesAt.getTime() <= now.getTime()) {
    return err({ kind: 'window-closed', closedAt: target.windowClosesAt });
  }
  const text = command.text.trim();
  return ok({
    notificationId: replyNotificationId(command.patientId, command.idempotencyKey),
    eventId: target.causeEventId,
    eventType: 'patient.replied',
    centreId: target.centreId,
    bookingReference: null,
    appointmentId: null,
    channel: 'whatsapp',
    recipient: { kind: 'patient', id: command.patientId, address: target.address, locale: command.locale },
    selection: { kind: 'reply', conversationId: target.conversationId, actor: command.actor },
    variables: {},
    content: { channel: 'whatsapp', text, previewText: text },
    dueAt: now.toISOString(),
    sendBy: target.windowClosesAt.toISOString(),
    plannedAt: now.toISOString(),
  });
}

