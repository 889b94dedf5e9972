import type { NotificationFilter } from '../documents.ts';
import { h } from '../dom.ts';
import { CHANNELS, EVENT_TYPES, NOTIFICATION_STATUSES, channelLabel, eventLabel } from '../vocabulary.ts';

/** The filter bar. Centres are the ones seen so far; the rest are fixed lists. */
export function renderFilters(root: HTMLElement, filter: NotificationFilter, centres: readonly string[], onChange: (filter: NotificationFilter) => void): void {
  const select = (name: keyof NotificationFilter, label: string, all: string, options: readonly (readonly [string, string])[]) => {
    const element = h(
      'select',
      { id: `filter-${name}`, name, 'aria-label': label },
      h('option', { value: '' }, all),
      ...options.map(([value, text]) => h('option', { value, selected: filter[name] === value }, text)),
    );
    element.addEventListener('change', () => onChange({ ...filter, [name]: element.value || undefined }));
    return h('label', { class: 'filter' }, h('span', {}, label), element);
  };
  const centreOptions = [...new Set([...centres, ...(filter.centreId ? [filter.centreId] : [])])].map((c) => [c, c] as const);
  const active = Object.values(filter).some(Boolean);
  const clear = h('button', { type: 'button', class: 'ghost', disabled: !active }, 'Clear filters');
  clear.addEventListener('click', () => onChange({}));
  root.replaceChildren(
    select('eventType', 'Event type', 'All events', EVENT_TYPES.map((t) => [t, eventLabel(t)] as const)),
    select('channel', 'Channel', 'All channels', CHANNELS.map((c) => [c, channelLabel(c)] as const)),
    select('status', 'Status', 'All statuses', NOTIFICATION_STATUSES.map((s) => [s, s] as const)),
    select('centreId', 'Centre', 'All centres', centreOptions),
    clear,
  );
}
