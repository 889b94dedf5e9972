import type { ConversationSummary } from './conversation-documents.ts';
import { formatDateTime, formatDuration } from './vocabulary.ts';

/** WhatsApp's 24-hour customer-service window, as the page shows it. */
export type WindowState =
  | { kind: 'open'; closesAt: string; leftMs: number }
  | { kind: 'closed'; closedAt: string }
  /** The patient never wrote on WhatsApp (an SMS reply opens no window). */
  | { kind: 'none' };

/**
 * The API's word on the window, counted down on this machine's clock: the API answers `open` as
 * of when it was asked, and a page left open must not offer a reply once the window has passed.
 */
export function windowState(window: ConversationSummary['window'], nowMs: number): WindowState {
  if (window.closesAt === null) return { kind: 'none' };
  const leftMs = Date.parse(window.closesAt) - nowMs;
  return window.open && leftMs > 0 ? { kind: 'open', closesAt: window.closesAt, leftMs } : { kind: 'closed', closedAt: window.closesAt };
}

export function windowLabel(state: WindowState): string {
  switch (state.kind) {
    case 'open':
      return `Window open · ${formatDuration(state.leftMs)} left`;
    case 'closed':
      return 'Window closed';
    case 'none':
      return 'No WhatsApp window';
  }
}

/** Why the reply box is closed for this conversation, or null when a reply may be sent. */
export function replyBlockedReason(conversation: Pick<ConversationSummary, 'window' | 'patients'>, canReply: boolean, nowMs: number): string | null {
  if (!canReply) return 'This token reads conversations but may not reply: dashboard and auditor tokens cannot answer patients. Sign in with a front desk or admin token to reply.';
  if (conversation.patients.length === 0) return 'This number is not linked to a patient yet, so there is no one to reply to: it is once an event names the number.';
  const state = windowState(conversation.window, nowMs);
  switch (state.kind) {
    case 'open':
      return null;
    case 'closed':
      return `Window closed at ${formatDateTime(state.closedAt)}: WhatsApp allows only templates now.`;
    case 'none':
      return 'The patient has not written on WhatsApp, so no window is open: WhatsApp allows only templates now.';
  }
}
