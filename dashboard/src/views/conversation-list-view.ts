import type { ConversationSummary } from '../conversation-documents.ts';
import { windowLabel, windowState } from '../conversation-window.ts';
import { h } from '../dom.ts';
import { formatDateTime, formatWhen, messageTypeLabel } from '../vocabulary.ts';

/** The patients a conversation names, or what stands in for them. */
export function whoLabel(c: Pick<ConversationSummary, 'patients'>): string {
  return c.patients.length === 0 ? 'Unknown number' : c.patients.map((p) => p.name ?? p.id).join(', ');
}

/**
 * The conversations, newest message first: who, which number and centre, when, the window, and
 * whether the patient has the last word (unanswered). Each is a button that opens its thread.
 */
export class ConversationList {
  readonly element: HTMLElement;
  readonly #list = h('ul', { class: 'conversation-list', 'aria-label': 'Conversations' });
  readonly #empty = h(
    'div',
    { class: 'empty' },
    h('strong', {}, 'No conversations yet.'),
    h('span', {}, 'When a patient writes on WhatsApp or answers an SMS, the conversation appears here live.'),
  );
  #rows: readonly ConversationSummary[] = [];
  #openId: string | null = null;
  #changed = new Set<string>();

  constructor(onOpen: (id: string) => void) {
    this.element = h('div', { class: 'conversation-list-wrap' }, this.#list, this.#empty);
    this.#list.addEventListener('click', (event) => {
      const item = (event.target as Element).closest<HTMLElement>('[data-id]');
      if (item?.dataset.id) onOpen(item.dataset.id);
    });
  }

  /** Draws `rows`; those in `changed` flash once to show they moved. */
  render(rows: readonly ConversationSummary[], changed: Iterable<string> = []): void {
    this.#rows = rows;
    this.#changed = new Set(changed);
    this.redraw();
  }

  select(id: string | null): void {
    this.#openId = id;
    for (const item of this.#list.querySelectorAll<HTMLElement>('[data-id]')) {
      if (item.dataset.id === id) item.setAttribute('aria-current', 'true');
      else item.removeAttribute('aria-current');
    }
  }

  /** Draws again what it holds, for the window's time left; keeps the focus where it was. */
  redraw(): void {
    const focused = document.activeElement instanceof HTMLElement && this.#list.contains(document.activeElement) ? document.activeElement.dataset.id : undefined;
    const now = Date.now();
    this.#list.replaceChildren(...this.#rows.map((c) => h('li', {}, this.#item(c, now))));
    this.#changed.clear();
    this.#empty.hidden = this.#rows.length > 0;
    if (focused) this.#list.querySelector<HTMLElement>(`[data-id="${CSS.escape(focused)}"]`)?.focus();
  }

  #item(c: ConversationSummary, now: number): HTMLButtonElement {
    const last = c.messages.at(-1);
    const unanswered = last?.direction === 'IN';
    const state = windowState(c.window, now);
    return h(
      'button',
      {
        type: 'button',
        class: `conversation-item${this.#changed.has(c.id) ? ' flash' : ''}`,
        'data-id': c.id,
        'data-unanswered': String(unanswered),
        'aria-current': c.id === this.#openId ? 'true' : undefined,
      },
      h('span', { class: 'conversation-top' }, h('span', { class: 'conversation-who' }, whoLabel(c)), h('time', { datetime: c.lastMessageAt, title: formatDateTime(c.lastMessageAt) }, formatWhen(c.lastMessageAt))),
      h('span', { class: 'conversation-contact' }, h('span', { 'data-testid': 'contact' }, c.contact), ' · ', h('span', {}, c.centreId ?? 'no centre')),
      last ? h('span', { class: 'conversation-last' }, last.direction === 'OUT' ? 'Clinic: ' : '', lastWords(last)) : null,
      h(
        'span',
        { class: 'conversation-badges' },
        h('span', { class: `window-badge w-${state.kind}`, 'data-testid': 'window', title: state.kind === 'open' ? `Closes at ${formatDateTime(state.closesAt)}` : undefined }, windowLabel(state)),
        unanswered ? h('span', { class: 'unanswered', 'data-testid': 'unanswered' }, 'Unanswered') : null,
      ),
    );
  }
}

const lastWords = (m: ConversationSummary['messages'][number]): string => m.text ?? messageTypeLabel(m.type);
