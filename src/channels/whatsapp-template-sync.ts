import { syncWhatsAppTemplates, type WhatsAppTemplateLister } from '../commands/templates/record-whatsapp-template-state.ts';
import type { Clock } from '../domain/clock.ts';
import type { EventStore } from '../ledger/event-store.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface SyncDeps {
  store: EventStore;
  clock: Clock;
  list: WhatsAppTemplateLister;
}

export const SYNC_INTERVAL_MS = 6 * 3600_000;

/**
 * Syncs at start and every 6 hours while 360dialog is configured. A failed sync is logged and
 * tried again at the next turn: the last recorded snapshot stays in force meanwhile.
 */
export class WhatsAppTemplateSyncLoop {
  readonly #deps: SyncDeps & { logger: Logger; intervalMs?: number };
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(deps: SyncDeps & { logger: Logger; intervalMs?: number }) {
    this.#deps = deps;
  }

  start(): void {
    const turn = () => {
      this.#running = this.#syncOnce().finally(() => {
        this.#running = null;
        if (!this.#abort.signal.aborted) this.#timer = setTimeout(turn, this.#deps.intervalMs ?? SYNC_INTERVAL_MS);
      });
    };
    turn();
  }

  async #syncOnce(): Promise<void> {
    try {
      const result = await syncWhatsAppTemplates(this.#deps, 'system', this.#abort.signal);
      if (result.ok) this.#deps.logger.info({ templates: result.value.templates.length }, 'WhatsApp templates synced');
      else this.#deps.logger.warn({ code: result.error.code, reason: result.error.message }, 'WhatsApp template sync failed; the last snapshot stays in force');
    } catch (error) {
      // The ledger was unreachable: the next turn tries again.
      if (!this.#abort.signal.aborted) this.#deps.logger.warn({ err: error }, 'WhatsApp template sync could not be recorded');
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
