import { INBOUND_EVENT, InboundEventAnswer, NOTIFICATION_DETAIL, NotificationDetailAnswer } from './documents.ts';
import { h } from './dom.ts';
import { UnauthorizedError, type GraphqlClient } from './graphql-client.ts';
import { renderDetail, type DetailState } from './views/detail-view.ts';

export interface DrawerHooks {
  /** The open notification changed (null: the drawer closed). */
  onSelect(id: string | null): void;
  onUnauthorized(error: UnauthorizedError): void;
}

/** The drill-down drawer: loads a notification with its timeline, then the inbound event behind it. */
export class DetailDrawer {
  readonly element = h('aside', { class: 'drawer', hidden: true, 'aria-label': 'Notification details' });
  #state: DetailState | null = null;
  #openId: string | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: GraphqlClient,
    private readonly hooks: DrawerHooks,
  ) {}

  get openId(): string | null {
    return this.#openId;
  }

  async open(id: string): Promise<void> {
    // The address names the open notification, so it can be shared or reloaded.
    if (location.hash !== `#notification=${id}`) history.replaceState(null, '', `#notification=${id}`);
    this.#openId = id;
    this.hooks.onSelect(id);
    if (this.#state?.kind !== 'ready' || this.#state.notification.id !== id) this.#show({ kind: 'loading', id });
    try {
      const notification = (await this.client.request(NOTIFICATION_DETAIL, { id }, NotificationDetailAnswer)).notification;
      if (this.#openId !== id) return;
      if (!notification) return this.#show({ kind: 'error', id, message: 'This notification is no longer in the read model.' });
      let inbound = null;
      let inboundError: string | null = null;
      try {
        inbound = (await this.client.request(INBOUND_EVENT, { eventId: notification.eventId }, InboundEventAnswer)).inboundEvent;
      } catch (error) {
        inboundError = error instanceof Error ? error.message : String(error);
      }
      if (this.#openId === id) this.#show({ kind: 'ready', notification, inbound, inboundError });
    } catch (error) {
      if (error instanceof UnauthorizedError) return this.hooks.onUnauthorized(error);
      this.#show({ kind: 'error', id, message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** The open notification changed: reload it once the burst of changes has passed. */
  refreshSoon(): void {
    const id = this.#openId;
    if (!id) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.open(id), 250);
  }

  close(): void {
    if (location.hash) history.replaceState(null, '', location.pathname);
    this.#openId = null;
    this.hooks.onSelect(null);
    this.#show(null);
  }

  #show(state: DetailState | null): void {
    this.#state = state;
    renderDetail(this.element, state, () => this.close());
  }
}
