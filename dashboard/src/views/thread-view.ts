import type { ConversationSummary, ThreadMessage } from '../conversation-documents.ts';
import { windowLabel, windowState } from '../conversation-window.ts';
import { h } from '../dom.ts';
import { INTENT_LABELS, channelLabel, formatDateTime, formatWhen, mediaKindLabel, messageTypeLabel } from '../vocabulary.ts';
import { whoLabel } from './conversation-list-view.ts';

/** A conversation's heading: who, the number, the centre, and the window with its time left. */
export function renderThreadHead(root: HTMLElement, c: ConversationSummary | null): void {
  if (!c) return root.replaceChildren(h('h2', {}, 'Conversation'));
  const state = windowState(c.window, Date.now());
  const closing = state.kind === 'open' ? `Closes at ${formatDateTime(state.closesAt)}` : state.kind === 'closed' ? `Closed at ${formatDateTime(state.closedAt)}` : 'The patient has not written on WhatsApp';
  root.replaceChildren(
    h('div', {}, h('p', { class: 'eyebrow' }, `${c.centreId ?? 'No centre'} · ${c.inboundMessages} in · ${c.replies} replied`), h('h2', { 'data-testid': 'thread-who' }, whoLabel(c)), h('span', { class: 'sub', 'data-testid': 'thread-contact' }, c.contact)),
    h('span', { class: `window-badge w-${state.kind}`, 'data-testid': 'thread-window', title: closing }, windowLabel(state)),
  );
}

/**
 * The messages, oldest first, as bubbles: the patient's on the left, the clinic's on the right
 * with who replied (or that it was a notification) and its delivery status.
 */
export function renderMessages(root: HTMLElement, messages: readonly ThreadMessage[], note: string | null = null): void {
  const now = new Date();
  root.replaceChildren(
    ...(note ? [h('li', { class: 'thread-note muted' }, note)] : []),
    ...messages.map((m) => bubble(m, now)),
  );
  if (messages.length === 0 && !note) root.append(h('li', { class: 'thread-note muted' }, 'No messages yet.'));
}

function bubble(m: ThreadMessage, now: Date): HTMLElement {
  const inbound = m.direction === 'IN';
  const status = m.notification?.status;
  return h(
    'li',
    { class: `bubble ${inbound ? 'in' : 'out'}`, 'data-id': m.id, 'data-direction': m.direction, 'data-type': m.type },
    h('span', { class: 'visually-hidden' }, inbound ? 'Patient: ' : 'Clinic: '),
    ...content(m),
    m.intent && INTENT_LABELS[m.intent] ? h('p', { class: 'bubble-intent' }, INTENT_LABELS[m.intent]!) : null,
    h(
      'p',
      { class: 'bubble-meta' },
      h('time', { datetime: m.at, title: formatDateTime(m.at) }, formatWhen(m.at, now)),
      ` · ${channelLabel(m.channel)}`,
      inbound ? null : h('span', { 'data-testid': 'sent-by' }, m.sentBy ? ` · by ${m.sentBy}` : ' · notification'),
      status ? h('span', { class: `pill s-${status}`, 'data-testid': 'message-status' }, status) : null,
    ),
  );
}

/** The words, and for anything but plain text, what kind of message it was. */
function content(m: ThreadMessage): HTMLElement[] {
  const kind = (label: string) => h('p', { class: 'bubble-type', 'data-testid': 'message-type' }, label);
  const words = (text: string | null) => (text ? [h('p', { class: 'bubble-text' }, text)] : []);
  if (m.media) {
    const label = `${mediaKindLabel(m.media.kind)}${m.media.mimeType ? ` (${m.media.mimeType})` : ''}`;
    return [kind(label), ...words(m.media.caption ?? m.text)];
  }
  if (m.location) {
    const { name, address, latitude, longitude } = m.location;
    return [kind(messageTypeLabel('location')), ...words([name, address].filter(Boolean).join(', ') || null), h('p', { class: 'sub' }, `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`)];
  }
  if (m.type === 'text') return words(m.text).length ? words(m.text) : [kind(messageTypeLabel('text'))];
  return [kind(messageTypeLabel(m.type)), ...words(m.text)];
}
