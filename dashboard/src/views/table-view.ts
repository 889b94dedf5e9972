import { h } from '../dom.ts';
import type { LiveNotification } from '../store.ts';
import { channelLabel, eventLabel, formatTime } from '../vocabulary.ts';

/**
 * The live table, keyed by notification id: a changed row is updated in place and flashes, a new
 * one slides in at the top, so status changes are visible as they happen.
 */
export class TableView {
  readonly element: HTMLElement;
  readonly #body: HTMLTableSectionElement;
  readonly #empty: HTMLElement;
  readonly #footer: HTMLElement;
  readonly #more: HTMLButtonElement;
  readonly #rows = new Map<string, HTMLTableRowElement>();
  #selectedId: string | null = null;
  #hasOlder = false;
  #total: number | null = null;

  constructor(
    private readonly onOpen: (id: string) => void,
    onMore: () => void,
  ) {
    this.#body = h('tbody', {});
    this.#empty = h('div', { class: 'empty' }, h('strong', {}, 'No notifications yet.'), h('span', {}, 'Publish an event (or run ', h('code', {}, 'npm run demo'), ') and they appear here live.'));
    const table = h(
      'table',
      { class: 'deliveries', 'aria-label': 'Notifications' },
      h('thead', {}, h('tr', {}, ...['Created', 'Event', 'Channel', 'Recipient', 'Centre', 'Status', 'Seen live'].map((t) => h('th', { scope: 'col' }, t)))),
      this.#body,
    );
    this.#more = h('button', { type: 'button', class: 'ghost' }, 'Load older');
    this.#more.addEventListener('click', () => {
      this.#more.disabled = true;
      onMore();
    });
    this.#footer = h('div', { class: 'table-foot' });
    this.element = h('div', { class: 'table-wrap' }, table, this.#empty, this.#footer);
    this.#body.addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr');
      if (row?.dataset.id) this.onOpen(row.dataset.id);
    });
    this.#body.addEventListener('keydown', (event) => {
      const row = (event.target as Element).closest('tr');
      if (row?.dataset.id && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        this.onOpen(row.dataset.id);
      }
    });
  }

  /** Draws `rows` (newest first) in place of what was shown; every later change is keyed on them. */
  reset(rows: readonly LiveNotification[], hasOlder: boolean, total: number | null): void {
    this.#rows.clear();
    for (const r of rows) this.#rows.set(r.id, this.#build(r));
    this.#body.replaceChildren(...this.#rows.values());
    this.#more.disabled = false;
    this.#hasOlder = hasOlder;
    this.#total = total;
    this.#updateEmpty();
  }

  /** Shows `row` where it sits in `ordered` (the store's rows, newest first), and drops the rows it pushed out. */
  upsert(row: LiveNotification, ordered: readonly LiveNotification[], hasOlder: boolean): void {
    this.#hasOlder = hasOlder;
    const kept = new Set(ordered.map((r) => r.id));
    for (const id of [...this.#rows.keys()]) if (!kept.has(id)) this.#drop(id);
    if (!kept.has(row.id)) return this.#updateEmpty();
    const existing = this.#rows.get(row.id);
    const fresh = this.#build(row);
    fresh.classList.add(existing ? 'flash' : 'arrive');
    if (existing) existing.replaceWith(fresh);
    else {
      // The first shown row after it in the order: a new notification is the newest, so it goes on top.
      const index = ordered.findIndex((r) => r.id === row.id);
      const next = ordered.slice(index + 1).find((r) => this.#rows.has(r.id));
      this.#body.insertBefore(fresh, next ? this.#rows.get(next.id)! : null);
    }
    this.#rows.set(row.id, fresh);
    this.#updateEmpty();
  }

  /** The count of every notification the filter matches, when it is known, for the footer. */
  setTotal(total: number | null): void {
    this.#total = total;
    this.#updateEmpty();
  }

  remove(id: string): void {
    this.#drop(id);
    this.#updateEmpty();
  }

  #drop(id: string): void {
    this.#rows.get(id)?.remove();
    this.#rows.delete(id);
  }

  select(id: string | null): void {
    if (this.#selectedId) this.#rows.get(this.#selectedId)?.classList.remove('selected');
    this.#selectedId = id;
    if (id) this.#rows.get(id)?.classList.add('selected');
  }

  #build(n: LiveNotification): HTMLTableRowElement {
    const row = h(
      'tr',
      { 'data-id': n.id, 'data-status': n.status, tabindex: '0', class: n.id === this.#selectedId ? 'selected' : undefined },
      h('td', { class: 'time' }, formatTime(n.createdAt)),
      h('td', {}, h('span', { class: 'event' }, eventLabel(n.eventType)), n.bookingReference ? h('span', { class: 'sub' }, n.bookingReference) : null),
      h('td', {}, h('span', { class: `channel c-${n.channel}` }, channelLabel(n.channel)), n.fallbackOf ? h('span', { class: 'sub fallback', title: `stands in for ${n.fallbackOf}` }, 'fallback') : null),
      h('td', { class: 'recipient' }, h('span', {}, n.recipient.address ?? (n.channel === 'in_app' ? 'in-app alert' : '—')), h('span', { class: 'sub', title: `${n.recipient.kind} ${n.recipient.id}` }, n.recipient.id)),
      h('td', { class: 'centre' }, n.centreId ?? '—'),
      h('td', {}, h('span', { class: `pill s-${n.status}`, 'data-testid': 'status' }, n.status), n.suppressionReason ? h('span', { class: 'sub' }, n.suppressionReason) : null),
      h('td', { class: 'trail' }, ...n.trail.flatMap((s, i) => [i > 0 ? h('span', { class: 'arrow' }, '→') : null, h('span', { class: `mini s-${s}` }, s)])),
    );
    row.title = 'Open its ledger timeline';
    return row;
  }

  #updateEmpty(): void {
    const shown = this.#rows.size;
    this.#empty.hidden = shown > 0;
    // The counts behind the total refresh a moment after a live row lands; never claim fewer than are shown.
    const total = this.#total === null ? null : Math.max(this.#total, shown);
    const count = total === null ? `${shown} most recent` : `${shown} most recent of ${total}`;
    this.#footer.replaceChildren(...(shown === 0 ? [] : [h('span', { class: 'muted' }, count), this.#hasOlder ? this.#more : '']));
  }
}
