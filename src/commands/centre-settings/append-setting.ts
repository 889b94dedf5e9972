import type { Clock } from '../../domain/clock.ts';
import type { FieldIssue } from '../../domain/intake/envelope.ts';
import { err, ok } from '../../domain/result.ts';
import type { StreamName } from '../../domain/stream-name.ts';
import type { EventStore, LedgerPosition, NewEvent } from '../../ledger/event-store.ts';
import { handleCommand } from '../handle-command.ts';

export interface SettingRejected {
  kind: 'invalid-setting';
  /** Field paths and rules, e.g. `offsets[1]`: `must be whole hours or minutes such as 24h or 30m`; never the value. */
  issues: FieldIssue[];
}

export const rejected = (issues: FieldIssue[]): { ok: false; error: SettingRejected } => err({ kind: 'invalid-setting', issues });

/** The last setting written wins, so there is nothing to read or race: the handler appends at 'any'. */
export async function appendSetting(store: EventStore, stream: StreamName, now: Date, event: NewEvent): Promise<LedgerPosition> {
  const clock: Clock = { now: () => now };
  const result = await handleCommand(store, stream, { initialState: null, evolve: () => null }, () => ok({ answer: null, events: [event] }), { command: null, clock, start: 'append-any' });
  if (!result.ok) throw new Error('an append at any revision cannot conflict');
  return result.value.position!;
}
