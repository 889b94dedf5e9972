import type { Clock } from '../../domain/clock.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { ok, type Result } from '../../domain/result.ts';
import { evolveStaffMember, type StaffMember, type StaffMemberRejection } from '../../domain/staff-routing/staff-directory.ts';
import { streamName } from '../../domain/stream-name.ts';
import { WrongExpectedRevision, type EventStore, type LedgerPosition } from '../../ledger/event-store.ts';
import { countingEvents, handleCommand, isConflict } from '../handle-command.ts';

export interface StaffCommandDeps {
  store: EventStore;
  clock: Clock;
}

/** The member as they now are; `position` is null when nothing changed (the same record again). */
export interface StaffMemberChanged {
  member: StaffMember;
  /** The revision of `staff-member-<id>` that holds the member as they now are. */
  revision: number;
  position: LedgerPosition | null;
}

const memberFold = countingEvents({ initialState: null as StaffMember | null, evolve: evolveStaffMember });

/** Runs one staff-member decider through the command handler; a stream too contended to change throws. */
export async function changeStaffMember(
  deps: StaffCommandDeps,
  staffId: string,
  type: string,
  decide: (current: StaffMember | null, now: Date) => Result<{ member: StaffMember; event: { actor: string } | null }, StaffMemberRejection>,
): Promise<Result<StaffMemberChanged, StaffMemberRejection>> {
  const result = await handleCommand(
    deps.store,
    streamName.staffMember(staffId),
    memberFold,
    ({ state, length }, _command: null, now) => {
      const decision = decide(state, now);
      if (!decision.ok) return decision;
      const { member, event } = decision.value;
      if (!event) return ok({ answer: member, events: [] });
      return ok({ answer: member, events: [{ id: deterministicUuid('staff-member-event', staffId, length), type, data: event, metadata: { actor: event.actor } }] });
    },
    { command: null, clock: deps.clock },
  );
  if (result.ok) return ok({ member: result.value.answer, revision: Number(result.value.revision), position: result.value.position });
  if (isConflict(result.error)) throw new WrongExpectedRevision(result.error.stream, result.error.expected, result.error.actual);
  return result as { ok: false; error: StaffMemberRejection };
}
