import type { InboundEvent, NotificationDetail, TimelineEntry } from '../documents.ts';
import { h } from '../dom.ts';
import { channelLabel, eventLabel, formatDateTime } from '../vocabulary.ts';

export type DetailState =
  | { kind: 'loading'; id: string }
  | { kind: 'error'; id: string; message: string }
  | { kind: 'ready'; notification: NotificationDetail; inbound: InboundEvent | null; inboundError: string | null };

/** The drill-down drawer: a notification's facts, its ledger timeline, and the inbound event behind it. */
export function renderDetail(root: HTMLElement, state: DetailState | null, onClose: () => void): void {
  if (!state) {
    root.hidden = true;
    root.replaceChildren();
    return;
  }
  root.hidden = false;
  const close = h('button', { type: 'button', class: 'ghost close', 'aria-label': 'Close' }, '✕');
  close.addEventListener('click', onClose);
  if (state.kind !== 'ready') {
    root.replaceChildren(
      h('header', { class: 'drawer-head' }, h('h2', {}, 'Notification'), close),
      h('p', { class: state.kind === 'error' ? 'error' : 'muted' }, state.kind === 'error' ? state.message : 'Loading its ledger timeline…'),
    );
    return;
  }
  const n = state.notification;
  root.replaceChildren(
    h(
      'header',
      { class: 'drawer-head' },
      h('div', {}, h('p', { class: 'eyebrow' }, `${channelLabel(n.channel)} · ${n.recipient.kind}`), h('h2', {}, eventLabel(n.eventType))),
      h('span', { class: `pill s-${n.status}` }, n.status),
      close,
    ),
    facts([
      ['Notification', n.id],
      ['Recipient', `${n.recipient.address ?? '—'} (${n.recipient.id})`],
      ['Centre', n.centreId],
      ['Booking', n.bookingReference],
      ['Template', n.template ? `${n.template.key} v${n.template.version} · ${n.template.locale}` : null],
      ['Attempts', String(n.attempts)],
      ['Provider', n.provider ? `${n.provider}${n.providerMessageId ? ` · ${n.providerMessageId}` : ''}` : null],
      ['Due', n.dueAt ? formatDateTime(n.dueAt) : null],
      ['Suppressed', n.suppressionReason],
      ['Fallback of', n.fallbackOf],
      ['Fell back to', n.fallbacks.length ? n.fallbacks.map((f) => `${channelLabel(f.channel)} (${f.status}) · ${f.id}`).join('; ') : null],
      ['Last error', n.lastError ? `${n.lastErrorCode ? `${n.lastErrorCode}: ` : ''}${n.lastError}` : null],
      ['Possible duplicate', n.possibleDuplicate ? 'yes: an attempt was left open by a crash and retried' : null],
    ]),
    h('section', { class: 'timeline-section' }, h('h3', {}, 'Ledger timeline'), h('ol', { class: 'timeline', 'data-testid': 'timeline' }, ...n.timeline.map(timelineItem))),
    inboundSection(n.eventId, state.inbound, state.inboundError),
  );
}

function facts(rows: [string, string | null][]): HTMLElement {
  return h('dl', { class: 'facts' }, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function timelineItem(entry: TimelineEntry): HTMLElement {
  return h(
    'li',
    { class: `t-${entry.type}` },
    h('div', { class: 'timeline-head' }, h('strong', {}, entry.type), h('span', { class: 'muted' }, `#${entry.revision} · ${formatDateTime(entry.recordedAt)}`)),
    h('div', { class: 'explanation' }, entry.explanation),
    entry.actor ? h('div', { class: 'sub' }, `by ${entry.actor} · position ${entry.globalPosition}`) : h('div', { class: 'sub' }, `position ${entry.globalPosition}`),
    json('Data', entry.data),
  );
}

function inboundSection(eventId: string, inbound: InboundEvent | null, error: string | null): HTMLElement {
  const body = inbound
    ? [
        facts([
          ['Event', inbound.event ? `${eventLabel(inbound.event.type)} (${inbound.event.type})` : null],
          ['Event id', inbound.eventId],
          ['Occurred', inbound.event ? formatDateTime(inbound.event.occurredAt) : null],
          ['Received', `${formatDateTime(inbound.receivedAt)} via ${inbound.via}`],
          ['Receipts', String(inbound.receipts)],
          ['Duplicates ignored', `${inbound.duplicatesIgnored}${inbound.mismatchedDuplicates ? ` (${inbound.mismatchedDuplicates} with other content: a reused id)` : ''}`],
        ]),
        json('Payload as received', inbound.event?.data ?? null, true),
      ]
    : [h('p', { class: error ? 'error' : 'muted' }, error ?? `Event ${eventId} is not in the ledger.`)];
  return h('section', { class: 'inbound-section', 'data-testid': 'inbound' }, h('h3', {}, 'Inbound event'), ...body);
}

function json(label: string, value: unknown, open = false): HTMLElement {
  return h('details', { class: 'json', open }, h('summary', {}, label), h('pre', {}, JSON.stringify(value, null, 2)));
}
