import type { DeliveryStat, NotificationFilter, NotificationSummary } from './documents.ts';

/** One row of the live table: the notification as last seen, and the statuses this page saw it pass. */
export interface LiveNotification extends NotificationSummary {
  trail: string[];
  changedAt: number;
}

export type Listener = (change: StoreChange) => void;
export type StoreChange =
  | { kind: 'reset' }
  | { kind: 'upsert'; notification: LiveNotification; isNew: boolean }
  | { kind: 'remove'; id: string }
  | { kind: 'stats' }
  | { kind: 'connection' }
  | { kind: 'filter' };

export const MAX_ROWS = 200;

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
  selectedId: string | null = null;

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

  replaceRows(rows: NotificationSummary[]): void {
    const previous = new Map(this.#rows);
    this.#rows.clear();
    for (const row of rows.slice(0, MAX_ROWS)) {
      const seen = previous.get(row.id);
      this.#rows.set(row.id, { ...row, trail: seen ? mergeTrail(seen.trail, row.status) : [row.status], changedAt: seen?.changedAt ?? 0 });
      if (row.centreId) this.#centres.add(row.centreId);
    }
    this.#emit({ kind: 'reset' });
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
    const notification: LiveNotification = { ...row, trail: mergeTrail(start, row.status), changedAt: Date.now() };
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
    if (this.#rows.size <= MAX_ROWS) return;
    for (const row of this.rows.slice(MAX_ROWS)) this.#rows.delete(row.id);
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
