import { LIST_TEMPLATES, ListTemplatesAnswer, TEMPLATE_DETAIL, TemplateDetailAnswer, type RenderedMessage, type TemplateDetail, type TemplateSummary } from '../documents.ts';
import { h } from '../dom.ts';
import type { GraphqlClient } from '../graphql-client.ts';
import { CHANNELS, EVENT_TYPES, channelLabel, eventLabel, formatDateTime } from '../vocabulary.ts';

// How an approval state reads, and the status colour it borrows.
const APPROVAL_COLOURS: Record<string, string> = {
  approved: 's-read',
  unknown: 's-planned',
  pending: 's-sending',
  rejected: 's-failed',
  paused: 's-bounced',
  disabled: 's-failed',
  missing: 's-suppressed',
  mismatched: 's-suppressed',
};

/**
 * The Templates page, read-only: every key with its version and WhatsApp approval state; one
 * key's preview (its current version rendered with the event type's example payload) and history.
 */
export class TemplatesPage {
  readonly element = h('main', { class: 'page', hidden: true, 'data-testid': 'templates-page' });
  readonly #status = h('p', { class: 'muted small' });
  readonly #body = h('tbody', {});
  readonly #detail = h('section', { class: 'card template-detail', 'aria-label': 'Template' }, h('p', { class: 'muted' }, 'Choose a template to see its preview and history.'));
  #loaded = false;
  #openKey: string | null = null;
  #filter: { eventType?: string; channel?: string } = {};

  constructor(
    private readonly client: GraphqlClient,
    private readonly onError: (error: unknown) => void,
  ) {
    const table = h(
      'table',
      { class: 'deliveries templates', 'aria-label': 'Templates' },
      h('thead', {}, h('tr', {}, ...['Event', 'Channel', 'Locale', 'Centre', 'Version', 'Approval'].map((t) => h('th', { scope: 'col' }, t)))),
      this.#body,
    );
    this.element.append(
      h(
        'div',
        { class: 'templates-layout' },
        h('section', { class: 'card list-card' }, h('div', { class: 'list-head' }, h('div', {}, h('h2', {}, 'Templates'), this.#status), this.#filters()), h('div', { class: 'table-wrap' }, table)),
        this.#detail,
      ),
    );
    this.#body.addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr');
      if (row?.dataset.key) void this.open(row.dataset.key);
    });
    this.#body.addEventListener('keydown', (event) => {
      const row = (event.target as Element).closest('tr');
      if (row?.dataset.key && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        void this.open(row.dataset.key);
      }
    });
  }

  #filters(): HTMLElement {
    const select = (name: 'eventType' | 'channel', label: string, all: string, options: readonly (readonly [string, string])[]) => {
      const element = h('select', { id: `template-filter-${name}`, 'aria-label': label }, h('option', { value: '' }, all), ...options.map(([value, text]) => h('option', { value }, text)));
      element.addEventListener('change', () => {
        this.#filter = { ...this.#filter, [name]: element.value || undefined };
        void this.reload();
      });
      return h('label', { class: 'filter' }, h('span', {}, label), element);
    };
    return h(
      'div',
      { class: 'filters' },
      select('eventType', 'Event type', 'All events', EVENT_TYPES.map((t) => [t, eventLabel(t)] as const)),
      select('channel', 'Channel', 'All channels', CHANNELS.map((c) => [c, channelLabel(c)] as const)),
    );
  }

  show(): void {
    this.element.hidden = false;
    if (!this.#loaded) void this.reload();
  }

  hide(): void {
    this.element.hidden = true;
  }

  async reload(): Promise<void> {
    try {
      const filter = this.#filter;
      const answer = await this.client.request(LIST_TEMPLATES, { filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) }, ListTemplatesAnswer);
      if (filter !== this.#filter) return;
      this.#loaded = true;
      const { configured, syncedAt } = answer.whatsappTemplateSnapshot;
      this.#status.textContent = !configured
        ? 'WhatsApp approval: 360dialog is not configured here.'
        : syncedAt ? `WhatsApp approval as of ${formatDateTime(syncedAt)}.` : 'WhatsApp templates never synced: every one is sent as is.';
      this.#body.replaceChildren(...answer.templates.map((t) => this.#row(t)));
    } catch (error) {
      this.onError(error);
    }
  }

  async open(key: string): Promise<void> {
    this.#openKey = key;
    for (const row of this.#body.children) row.classList.toggle('selected', (row as HTMLElement).dataset.key === key);
    this.#detail.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const { template } = await this.client.request(TEMPLATE_DETAIL, { key }, TemplateDetailAnswer);
      if (this.#openKey !== key) return;
      this.#detail.replaceChildren(...(template ? detail(template) : [h('p', { class: 'error' }, `No template ${key}.`)]));
    } catch (error) {
      this.onError(error);
    }
  }

  #row(t: TemplateSummary): HTMLTableRowElement {
    return h(
      'tr',
      { 'data-key': t.key, tabindex: '0', class: t.key === this.#openKey ? 'selected' : undefined },
      h('td', { class: 'event' }, eventLabel(t.eventType), h('span', { class: 'sub' }, t.key)),
      h('td', {}, h('span', { class: `channel c-${t.channel}` }, channelLabel(t.channel))),
      h('td', {}, t.locale),
      h('td', { class: 'centre' }, t.centreId ?? 'all'),
      h('td', {}, `v${t.version}`, t.retired ? h('span', { class: 'sub' }, 'retired') : null, t.shippedOnly ? h('span', { class: 'sub' }, 'shipped') : null),
      h('td', {}, approvalPill(t.approval)),
    );
  }
}

function approvalPill(approval: string | null): HTMLElement | string {
  return approval ? h('span', { class: `pill ${APPROVAL_COLOURS[approval] ?? 's-planned'}`, 'data-approval': approval }, approval) : '—';
}

function detail(t: TemplateDetail): HTMLElement[] {
  return [
    h(
      'header',
      { class: 'drawer-head' },
      h('div', {}, h('p', { class: 'eyebrow' }, `${channelLabel(t.channel)} · ${t.locale}${t.centreId ? ` · ${t.centreId}` : ''}`), h('h2', {}, eventLabel(t.eventType))),
      approvalPill(t.approval),
    ),
    h('section', { 'data-testid': 'template-preview' }, h('h3', {}, `Preview of v${t.version}`), ...preview(t)),
    h(
      'section',
      {},
      h('h3', {}, 'Version history'),
      t.history.length === 0
        ? h('p', { class: 'muted' }, 'Shipped with this release and not yet installed in the ledger.')
        : h('ol', { class: 'timeline', 'data-testid': 'template-history' }, ...t.history.map((c) =>
            h(
              'li',
              { class: c.kind === 'retired' ? 't-NotificationSuppressed' : undefined },
              h('div', { class: 'timeline-head' }, h('strong', {}, c.kind === 'published' ? `v${c.version} published` : `retired at v${c.version}`), h('span', { class: 'muted' }, formatDateTime(c.at))),
              h('div', { class: 'sub' }, `by ${c.actor} · position ${c.position}`),
            ))),
    ),
  ];
}

/** The sample as the recipient would read it; for WhatsApp, also the parameters as they go out. */
function preview(t: TemplateDetail): HTMLElement[] {
  if (!t.sample) return [h('p', { class: 'error' }, t.sampleError ?? 'This version has no content to preview.')];
  const m: RenderedMessage = t.sample;
  const text = (value: string) => h('pre', { class: 'message-preview' }, value);
  switch (m.__typename) {
    case 'RenderedWhatsApp':
      return [
        text(m.previewText),
        facts([
          ['Template', `${m.templateName} (${m.languageCode})`],
          ...m.bodyParameters.map((p, i): [string, string] => [`{{${i + 1}}}`, p]),
          ['Button', m.buttonParameter],
        ]),
      ];
    case 'RenderedEmail':
      return [facts([['Subject', m.subject]]), text(m.text)];
    case 'RenderedSms':
      return [text(m.text), facts([['Segments', String(m.segments)], ['DLT template', m.dltTemplateId]])];
    case 'RenderedPush':
      return [facts([['Title', m.title]]), text(m.body)];
    case 'RenderedInApp':
      return [facts([['Title', m.title]]), text(m.body)];
  }
}

function facts(rows: [string, string | null][]): HTMLElement {
  return h('dl', { class: 'facts' }, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
