import type { Access } from './access.ts';
import { DetailDrawer } from './detail-drawer.ts';
import {
  DELIVERY_STATS,
  DELIVERY_UPDATED,
  DeliveryStatsAnswer,
  DeliveryUpdatedAnswer,
  LIST_NOTIFICATIONS,
  ListNotificationsAnswer,
  type NotificationFilter,
} from './documents.ts';
import { h } from './dom.ts';
import { UnauthorizedError, type GraphqlClient } from './graphql-client.ts';
import { DEFAULT_ROW_BOUND, PAGE_SIZE, Store, countByChannelAndStatus } from './store.ts';
import { renderFilters } from './views/filters-view.ts';
import { renderStats } from './views/stats-view.ts';
import { TableView } from './views/table-view.ts';
import { ConversationsPage } from './views/conversations-page.ts';
import { TemplatesPage } from './views/templates-view.ts';

const STATS_REFRESH_MS = 400;

type Page = 'deliveries' | 'templates' | 'conversations';

/**
 * The signed-in page: loads the list and counts, then keeps them live from `deliveryUpdated`; and
 * the conversations. A token sees the pages its role may read: a front desk only conversations.
 */
export class DashboardApp {
  readonly #store: Store;
  readonly #table: TableView;
  readonly #cards = h('section', { class: 'stat-cards', 'aria-label': 'Counts by status' });
  readonly #chart = h('section', { class: 'card chart-card' });
  readonly #filters = h('div', { class: 'filters' });
  readonly #live = h('span', { class: 'live-indicator', 'data-state': 'connecting' });
  readonly #drawer: DetailDrawer;
  readonly #banner = h('p', { class: 'banner', hidden: true, role: 'status' });
  readonly #deliveries = h('main', { class: 'page' });
  readonly #templates: TemplatesPage;
  readonly #conversations: ConversationsPage;
  readonly #tabs = {
    deliveries: h('button', { type: 'button', class: 'tab', 'aria-pressed': 'true' }, 'Live deliveries'),
    templates: h('button', { type: 'button', class: 'tab', 'aria-pressed': 'false' }, 'Templates'),
    conversations: h('button', { type: 'button', class: 'tab', 'aria-pressed': 'false' }, 'Conversations'),
  };
  #unsubscribe: (() => void) | null = null;
  #statsTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly client: GraphqlClient,
    private readonly access: Access,
    private readonly onSignOut: (message?: string) => void,
    rowBound = DEFAULT_ROW_BOUND,
  ) {
    this.#store = new Store(rowBound);
    this.#table = new TableView((id) => void this.#drawer.open(id), () => void this.#loadOlder());
    this.#drawer = new DetailDrawer(client, {
      onSelect: (id) => this.#table.select(id),
      onUnauthorized: (error) => this.#fail(error),
    });
    this.#templates = new TemplatesPage(client, (error) => this.#fail(error));
    this.#conversations = new ConversationsPage(client, access, {
      onError: (error) => this.#fail(error),
      // Without the deliveries, the conversations' stream is the one the top bar tells of.
      onConnection: (state, detail) => {
        if (!access.deliveries) this.#showConnection(state, detail);
      },
    });
  }

  /** The pages this token may read, in the order of the tabs. */
  get #pages(): Page[] {
    return [...(this.access.deliveries ? (['deliveries', 'templates'] as const) : []), ...(this.access.conversations ? (['conversations'] as const) : [])];
  }

  start(): void {
    const signOut = h('button', { type: 'button', class: 'ghost light' }, 'Sign out');
    signOut.addEventListener('click', () => {
      this.stop();
      this.onSignOut();
    });
    this.root.replaceChildren(
      h(
        'header',
        { class: 'topbar' },
        h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }), 'Clinic notification ledger'),
        h('nav', { class: 'tabs', 'aria-label': 'Pages' }, ...this.#pages.map((page) => this.#tabs[page])),
        h('div', { class: 'topbar-end' }, this.#live, signOut),
      ),
      this.#banner,
      ...(this.access.deliveries ? [this.#deliveries, this.#templates.element, this.#drawer.element] : []),
      ...(this.access.conversations ? [this.#conversations.element] : []),
    );
    for (const page of this.#pages) this.#tabs[page].addEventListener('click', () => this.#showPage(page));
    if (this.access.deliveries) this.#startDeliveries();
    const hash = location.hash;
    const conversation = /^#conversation=([\w-]+)$/.exec(hash)?.[1];
    if (this.access.conversations && (conversation || hash === '#conversations' || !this.access.deliveries)) {
      this.#showPage('conversations');
      if (conversation) void this.#conversations.open(conversation);
    } else if (hash === '#templates') this.#showPage('templates');
  }

  /** The live list, the counts and the drill-down drawer. */
  #startDeliveries(): void {
    this.#deliveries.append(
      h('div', { class: 'overview' }, this.#cards, this.#chart),
      h('section', { class: 'card list-card' }, h('div', { class: 'list-head' }, h('h2', {}, 'Notifications'), this.#filters), this.#table.element),
    );
    this.#store.listen((change) => {
      switch (change.kind) {
        case 'reset':
          this.#table.reset(this.#store.rows, this.#store.olderCursor !== null, this.#store.total);
          this.#renderFilters();
          break;
        case 'upsert':
          this.#table.upsert(change.notification, this.#store.rows, this.#store.olderCursor !== null);
          if (change.isNew && change.notification.centreId && !this.#store.centres.includes(change.notification.centreId)) this.#renderFilters();
          if (change.notification.id === this.#drawer.openId) this.#drawer.refreshSoon();
          this.#refreshStatsSoon();
          break;
        case 'remove':
          this.#table.remove(change.id);
          break;
        case 'stats':
          renderStats(this.#cards, this.#chart, this.#store.stats, this.#store.statsScope);
          this.#table.setTotal(this.#store.total);
          break;
        case 'connection':
          this.#showConnection(this.#store.connection, this.#store.connectionDetail);
          break;
        case 'filter':
          this.#renderFilters();
          break;
      }
    });
    this.#store.setConnection('connecting');
    renderStats(this.#cards, this.#chart, [], 'all');
    this.#renderFilters();
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.#drawer.openId) this.#drawer.close();
    });
    void this.#reload();
    this.#subscribe();
    const linked = /^#notification=([\w-]+)$/.exec(location.hash)?.[1];
    if (linked) void this.#drawer.open(linked);
  }

  /** The live lists keep running behind the other pages, so coming back shows them current. */
  #showPage(page: Page): void {
    this.#deliveries.hidden = page !== 'deliveries';
    if (page !== 'deliveries' && this.#drawer.openId) this.#drawer.close();
    if (page === 'templates') this.#templates.show();
    else this.#templates.hide();
    if (page === 'conversations') this.#conversations.show();
    else this.#conversations.hide();
    // The address names the page (or the open conversation), so a reload comes back to it.
    const hash = location.hash;
    const onPage = page === 'templates' ? hash === '#templates' : page === 'conversations' ? hash === '#conversations' || hash.startsWith('#conversation=') : !/^#(templates|conversations?\b)/.test(hash);
    const open = this.#conversations.openId;
    if (!onPage) history.replaceState(null, '', page === 'deliveries' ? location.pathname : page === 'conversations' && open ? `#conversation=${open}` : `#${page}`);
    for (const tab of ['deliveries', 'templates', 'conversations'] as const) this.#tabs[tab].setAttribute('aria-pressed', String(page === tab));
  }

  #showConnection(state: 'connecting' | 'live' | 'reconnecting', detail: string): void {
    this.#live.dataset.state = state;
    this.#live.textContent = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
    this.#live.title = detail;
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#conversations.stop();
  }

  #renderFilters(): void {
    renderFilters(this.#filters, this.#store.filter, this.#store.centres, (filter) => this.#changeFilter(filter));
  }

  #changeFilter(filter: NotificationFilter): void {
    const statusOnly = filter.eventType === this.#store.filter.eventType && filter.channel === this.#store.filter.channel && filter.centreId === this.#store.filter.centreId;
    this.#store.setFilter(filter);
    void this.#reload();
    if (!statusOnly) this.#subscribe();
  }

  #subscribe(): void {
    this.#unsubscribe?.();
    const { status: _status, ...live } = this.#store.filter;
    this.#unsubscribe = this.client.subscribe(DELIVERY_UPDATED, { filter: live }, {
      onData: (data) => {
        const parsed = DeliveryUpdatedAnswer.safeParse(data);
        if (!parsed.success) return this.#warn('An update from the server had an unexpected shape.');
        const { notification, previousStatus } = parsed.data.deliveryUpdated;
        this.#store.applyUpdate(notification, previousStatus);
      },
      onError: (message) => this.#warn(message),
      onStatus: (status, detail) => {
        if (status === 'unauthorized') return this.onSignOut('The token was refused. Sign in again.');
        const wasLive = this.#store.connection === 'live';
        this.#store.setConnection(status, detail);
        // Changes made while the stream was down are not replayed to us: load the current state.
        if (status === 'live' && !wasLive) void this.#reload();
      },
    });
  }

  async #reload(): Promise<void> {
    const filter = this.#store.filter;
    try {
      const list = await this.client.request(LIST_NOTIFICATIONS, { filter: compact(filter), first: this.#store.firstPageSize }, ListNotificationsAnswer);
      if (filter !== this.#store.filter) return;
      const { edges, pageInfo } = list.notifications;
      this.#store.replaceRows(edges, pageInfo.hasNextPage ? pageInfo.endCursor : null);
      await this.#loadStats();
      this.#warn(null);
    } catch (error) {
      this.#fail(error);
    }
  }

  async #loadOlder(): Promise<void> {
    const filter = this.#store.filter;
    const after = this.#store.olderCursor;
    if (!after) return;
    try {
      const list = await this.client.request(LIST_NOTIFICATIONS, { filter: compact(filter), first: PAGE_SIZE, after }, ListNotificationsAnswer);
      if (filter !== this.#store.filter || after !== this.#store.olderCursor) return;
      const { edges, pageInfo } = list.notifications;
      this.#store.appendOlder(edges, pageInfo.hasNextPage ? pageInfo.endCursor : null);
    } catch (error) {
      this.#fail(error);
    }
  }

  async #loadStats(): Promise<void> {
    try {
      const answer = await this.client.request(DELIVERY_STATS, {}, DeliveryStatsAnswer);
      this.#store.setStats(answer.deliveryStats, 'all');
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      // A server without deliveryStats still gets counts: those of the rows on the page.
      this.#store.setStats(countByChannelAndStatus(this.#store.rows), 'page');
    }
  }

  #refreshStatsSoon(): void {
    if (this.#store.statsScope === 'page') return this.#store.setStats(countByChannelAndStatus(this.#store.rows), 'page');
    if (this.#statsTimer) return;
    this.#statsTimer = setTimeout(() => {
      this.#statsTimer = null;
      this.#loadStats().catch((error: unknown) => this.#fail(error));
    }, STATS_REFRESH_MS);
  }

  #warn(message: string | null): void {
    this.#banner.hidden = message === null;
    this.#banner.textContent = message ?? '';
  }

  #fail(error: unknown): void {
    if (error instanceof UnauthorizedError) {
      this.stop();
      this.onSignOut('The token was refused. Sign in again.');
      return;
    }
    this.#warn(error instanceof Error ? error.message : String(error));
  }
}

function compact(filter: NotificationFilter): NotificationFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => Boolean(v)));
}
