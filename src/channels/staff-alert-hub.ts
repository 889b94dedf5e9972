import { EventEmitter, on } from 'node:events';
import type { StaffAlert } from '../projections/staff/staff-alerts.queries.ts';

/**
 * Live in-app alerts inside one service instance: the in-app transport publishes each alert it
 * delivers, and each staff member's subscription (GraphQL `staffAlerts(staffId)`) receives theirs.
 * Alerts travel as the read model keeps them, their words sealed: each subscription opens them as
 * it answers, so an alert about someone erased meanwhile reads `[erased]` there too.
 */
export class StaffAlertHub {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(alert: StaffAlert): void {
    this.#emitter.emit(topic(alert.staffId), alert);
  }

  /** This staff member's alerts as they are delivered, until the signal aborts or the consumer stops. */
  async *subscribe(staffId: string, signal?: AbortSignal): AsyncGenerator<StaffAlert> {
    try {
      for await (const [alert] of on(this.#emitter, topic(staffId), signal ? { signal } : {})) yield alert as StaffAlert;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'AbortError')) throw error;
    }
  }

  listenerCount(staffId: string): number {
    return this.#emitter.listenerCount(topic(staffId));
  }
}

// A prefix keeps a staff id such as "error" from meaning anything to the emitter.
const topic = (staffId: string) => `staff:${staffId}`;
