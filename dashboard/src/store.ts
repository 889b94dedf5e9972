import type { DeliveryStat, NotificationFilter, NotificationSummary } from './documents.ts';

/** One row of the live table: the notification as last seen, and the statuses this page saw it pass. */
export interface LiveNotification extends NotificationSummary {
  trail: string[];
  changedAt: number;
  /** Where the page after this row starts, for a row that came in a page; a live arrival has none. */
  cursor: string | null;
}

/** One row of a fetched page, with the cursor the server gave it. */
export interface PageRow {
  node: NotificationSummary;
  cursor: string;
}

export type Listener = (change: StoreChange) => void;
export type StoreChange =
  | { kind: 'reset' }
  | { kind: 'upsert'; notification: LiveNotification; isNew: boolean }
  | { kind: 'remove'; id: string }
  | { kind: 'stats' }
  | { kind: 'connection' }
  | { kind: 'filter' };

/** Rows fetched a page at a time. */
export const PAGE_SIZE = 100;

/**
 * The most rows the live list holds unless the reader loads older ones: a page left open all day
 * must not grow without end, so each live arrival beyond it pushes the oldest row out.
 */
export const DEFAULT_ROW_BOUND = 200;

/** The page's state; views listen and redraw the part that changed. */
export class Store {
  readonly #rows = new Map<string, LiveNotification>();
  readonly #listeners = new Set<Listener>();
  readonly #centres = new Set<string>();
  stats: DeliveryStat[] = [];
  /** `all`: every notification (deliveryStats); `page`: only the rows loaded here. */
  statsScope: 'all' | 'page' = 'all';
  filter: NotificationFilter = {};
  connection: 'connecting' | 'live' | 'reconnecting' = 'connecting';
  connectionDetail = '';
  /** Where the next older page starts, or null when there is none. */
  olderCursor: string | null = null;
  #limit: number;

  constructor(readonly rowBound = DEFAULT_ROW_BOUND) {
    this.#limit = rowBound;
  }

  listen(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get rows(): LiveNotification[] {
    return [...this.#rows.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  get centres(): string[] {
    return [...this.#centres].sort();
  }

  /** How many rows the first page asks for: never more than the list may hold. */
  get firstPageSize(): number {
    return Math.min(PAGE_SIZE, this.rowBound);
  }

  /**
   * How many notifications the list's filter matches in all, from the counts by channel and status;
   * null when the counts cannot tell (they cover only the page, or the filter names an event type or centre).
   */
  get total(): number | null {
    if (this.statsScope !== 'all' || this.filter.eventType || this.filter.centreId) return null;
    return this.stats.filter((s) => (!this.filter.channel || s.channel === this.filter.channel) && (!this.filter.status || s.status === this.filter.status)).reduce((sum, s) => sum + s.count, 0);
  }

  replaceRows(rows: PageRow[], olderCursor: string | null): void {
    const previous = new Map(this.#rows);
    this.#rows.clear();
    this.#limit = Math.max(this.rowBound, rows.length);
    this.#add(rows, previous);
    this.olderCursor = olderCursor;
    this.#emit({ kind: 'reset' });
  }

  /** The reader asked for older rows: the list may hold them too. */
  appendOlder(rows: PageRow[], olderCursor: string | null): void {
    this.#limit = Math.max(this.#limit, this.#rows.size + rows.length);
    this.#add(rows, new Map());
    this.olderCursor = olderCursor;
    this.#emit({ kind: 'reset' });
  }

  #add(rows: PageRow[], previous: Map<string, LiveNotification>): void {
    for (const { node: row, cursor } of rows) {
      const seen = previous.get(row.id);
      this.#rows.set(row.id, { ...row, trail: seen ? mergeTrail(seen.trail, row.status) : [row.status], changedAt: seen?.changedAt ?? 0, cursor });
      if (row.centreId) this.#centres.add(row.centreId);
    }
  }

  applyUpdate(row: NotificationSummary, previousStatus: string | null): void {
    if (row.centreId) this.#centres.add(row.centreId);
    const seen = this.#rows.get(row.id);
    if (seen && seen.updatedAt > row.updatedAt) return;
    // The subscription filters on everything but status, so a row that leaves the status filter is seen leaving.
    if (!matchesFilter(this.filter, row)) {
      if (seen && this.#rows.delete(row.id)) this.#emit({ kind: 'remove', id: row.id });
      return;
    }
    const start = seen?.trail ?? (previousStatus ? [previousStatus] : []);
    const notification: LiveNotification = { ...row, trail: mergeTrail(start, row.status), changedAt: Date.now(), cursor: seen?.cursor ?? null };
    this.#rows.set(row.id, notification);
    this.#trim();
    this.#emit({ kind: 'upsert', notification, isNew: !seen });
  }

  setStats(stats: DeliveryStat[], scope: 'all' | 'page'): void {
    this.stats = stats;
    this.statsScope = scope;
    this.#emit({ kind: 'stats' });
  }

  setConnection(state: Store['connection'], detail = ''): void {
    this.connection = state;
    this.connectionDetail = detail;
    this.#emit({ kind: 'connection' });
  }

  setFilter(filter: NotificationFilter): void {
    this.filter = filter;
    this.#emit({ kind: 'filter' });
  }

  #trim(): void {
    if (this.#rows.size <= this.#limit) return;
    const rows = this.rows;
    for (const row of rows.slice(this.#limit)) this.#rows.delete(row.id);
    // Older rows now start right after the oldest one kept, not after the last page loaded; when
    // only live arrivals are left there is no cursor to go on from, and a reload shows the rest.
    this.olderCursor = rows[this.#limit - 1]?.cursor ?? null;
  }

  #emit(change: StoreChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

function mergeTrail(trail: readonly string[], status: string): string[] {
  return trail.at(-1) === status ? [...trail] : [...trail, status].slice(-6);
}

/** Does a notification belong in the table under the current filter? */
export function matchesFilter(filter: NotificationFilter, row: NotificationSummary): boolean {
  return (
    (!filter.eventType || filter.eventType === row.eventType) &&
    (!filter.channel || filter.channel === row.channel) &&
    (!filter.status || filter.status === row.status) &&
    (!filter.centreId || filter.centreId === row.centreId)
  );
}

/** Counts of the rows at hand, shaped like `deliveryStats`, for a server that lacks it. */
export function countByChannelAndStatus(rows: readonly { channel: string; status: string }[]): DeliveryStat[] {
  const counts = new Map<string, DeliveryStat>();
  for (const r of rows) {
    const key = `${r.channel}/${r.status}`;
    const entry = counts.get(key) ?? { channel: r.channel, status: r.status, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}
