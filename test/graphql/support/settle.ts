import { formatPosition } from '../../../src/ledger/event-store.ts';
import type { Service } from '../../../src/service.ts';
import { until } from '../../support/until.ts';

export const ledgerHead = async (service: Pick<Service, 'store'>): Promise<string> => {
  const head = await service.store.headPosition();
  return head ? formatPosition(head) : 'empty';
};

/**
 * Waits until what earlier steps started has been planned and sent (or given up), so the ledger
 * head stands still, and answers it: a test then checks that a refused change moved nothing.
 */
export async function settledHead(service: Pick<Service, 'store' | 'db' | 'whenProcessed'>): Promise<string> {
  return until(async () => {
    const before = await service.store.headPosition();
    if (before) await service.whenProcessed(before);
    const busy = await service.db
      .selectFrom('notifications')
      .select('notification_id')
      .where('status', 'in', ['planned', 'sending'])
      .where('due_at', 'is not', null)
      .executeTakeFirst();
    const head = await ledgerHead(service);
    return !busy && (before ? formatPosition(before) : 'empty') === head ? head : null;
  }, { what: 'the service to settle' });
}
