import type { DeliveryStat } from '../documents.ts';
import { h, svg } from '../dom.ts';
import { CHANNELS, NOTIFICATION_STATUSES, channelLabel } from '../vocabulary.ts';

/** Status totals as cards, and a stacked bar per channel drawn as inline SVG. */
export function renderStats(cards: HTMLElement, chart: HTMLElement, stats: readonly DeliveryStat[], scope: 'all' | 'page'): void {
  const byStatus = new Map<string, number>();
  const byChannel = new Map<string, Map<string, number>>();
  for (const s of stats) {
    byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + s.count);
    const row = byChannel.get(s.channel) ?? new Map<string, number>();
    row.set(s.status, (row.get(s.status) ?? 0) + s.count);
    byChannel.set(s.channel, row);
  }
  const total = [...byStatus.values()].reduce((a, b) => a + b, 0);

  cards.replaceChildren(
    h('div', { class: 'stat-card total', 'data-status': 'total' }, h('span', { class: 'stat-label' }, 'Notifications'), h('span', { class: 'stat-value' }, format(total))),
    ...NOTIFICATION_STATUSES.map((status) =>
      h(
        'div',
        { class: `stat-card s-${status}`, 'data-status': status },
        h('span', { class: 'stat-label' }, h('span', { class: `dot s-${status}` }), status),
        h('span', { class: 'stat-value' }, format(byStatus.get(status) ?? 0)),
      ),
    ),
  );

  const channels = [...CHANNELS.filter((c) => byChannel.has(c) || c !== 'in_app'), ...[...byChannel.keys()].filter((c) => !(CHANNELS as readonly string[]).includes(c))];
  const note = scope === 'page' ? [h('p', { class: 'muted small' }, 'Counted from the notifications listed here.')] : [];
  chart.replaceChildren(h('h2', {}, 'By channel and status'), ...note, drawChart(channels, byChannel), legend());
}

// Sized for its half of the overview row (about 530 px), so its text renders at its natural size.
const ROW_HEIGHT = 32;
const LABEL_WIDTH = 100;
const BAR_WIDTH = 380;
const COUNT_WIDTH = 48;

function drawChart(channels: readonly string[], byChannel: Map<string, Map<string, number>>): SVGElement {
  const max = Math.max(1, ...channels.map((c) => sum(byChannel.get(c))));
  const width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH;
  const height = channels.length * ROW_HEIGHT + 8;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': 'Notifications by channel and status' });
  channels.forEach((channel, i) => {
    const y = i * ROW_HEIGHT + 4;
    const counts = byChannel.get(channel) ?? new Map<string, number>();
    root.append(svg('text', { x: 0, y: y + 19, class: 'chart-label' }, channelLabel(channel)));
    root.append(svg('rect', { x: LABEL_WIDTH, y: y + 4, width: BAR_WIDTH, height: 22, rx: 5, class: 'chart-track' }));
    let x = LABEL_WIDTH;
    for (const status of NOTIFICATION_STATUSES) {
      const count = counts.get(status) ?? 0;
      if (count === 0) continue;
      const w = Math.max(2, (count / max) * BAR_WIDTH);
      const segment = svg('rect', { x, y: y + 4, width: w, height: 22, class: `chart-seg s-${status}` });
      segment.append(svg('title', {}, `${channelLabel(channel)} · ${status}: ${count}`));
      root.append(segment);
      x += w;
    }
    root.append(svg('text', { x: width - 4, y: y + 19, class: 'chart-count', 'text-anchor': 'end' }, format(sum(counts))));
  });
  return root;
}

function legend(): HTMLElement {
  return h('ul', { class: 'legend' }, ...NOTIFICATION_STATUSES.map((s) => h('li', {}, h('span', { class: `dot s-${s}` }), s)));
}

const sum = (m: Map<string, number> | undefined): number => (m ? [...m.values()].reduce((a, b) => a + b, 0) : 0);
const format = (n: number): string => n.toLocaleString('en-IN');
