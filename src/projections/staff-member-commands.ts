import { deterministicUuid } from '../domain/ids.ts';
import { err, ok, type Result } from '../domain/result.ts';
import {
  STAFF_MEMBER_EVENT_TYPES as T,
  StaffId,
  decideDeactivateStaffMember,
  decideUpsertStaffMember,
  evolveStaffMember,
  type StaffMember,
  type StaffMemberRejection,
} from '../domain/staff-directory.ts';
import { streamName } from '../domain/stream-name.ts';
import { readStreamToArray, type LedgerPosition } from '../ledger/event-store.ts';
import type { CommandDeps } from './routing-rule-commands.ts';

/** The member as they now are; `position` is null when nothing changed (the same record again). */
export interface StaffMemberChanged {
  member: StaffMember;
  /** The revision of `staff-member-<id>` that holds the member as they now are. */
  revision: number;
  position: LedgerPosition | null;
}

const ATTEMPTS = 3;

/** Adds a staff member or replaces their record; refused with every problem, nothing appended. */
export async function upsertStaffMember(deps: CommandDeps, command: { input: unknown; actor: string }): Promise<Result<StaffMemberChanged, StaffMemberRejection>> {
  const id = typeof command.input === 'object' && command.input !== null ? (command.input as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || !StaffId.safeParse(id).success) {
    return err({ kind: 'invalid-input', issues: [{ field: 'id', code: 'invalid', message: 'must be 1-128 letters, digits or . _ : @ - and start with a letter or digit' }] });
  }
  return change(deps, id, T.upserted, (current) => decideUpsertStaffMember(current, command.input, { actor: command.actor, now: deps.clock.now() }));
}

/** Stops every alert to a member; their record and history stay. */
export async function deactivateStaffMember(
  deps: CommandDeps,
  command: { staffId: string; reason?: string | null; actor: string },
): Promise<Result<StaffMemberChanged, StaffMemberRejection>> {
  if (!StaffId.safeParse(command.staffId).success) return err({ kind: 'not-found', staffId: command.staffId });
  return change(deps, command.staffId, T.deactivated, (current) =>
    decideDeactivateStaffMember(current, command.staffId, { actor: command.actor, now: deps.clock.now(), reason: command.reason ?? null }));
}

async function change(
  deps: CommandDeps,
  staffId: string,
  type: string,
  decide: (current: StaffMember | null) => Result<{ member: StaffMember; event: { actor: string } | null }, StaffMemberRejection>,
): Promise<Result<StaffMemberChanged, StaffMemberRejection>> {
  const stream = streamName.staffMember(staffId);
  for (let attempt = 1; ; attempt++) {
    const history = await readStreamToArray(deps.store, stream);
    const current = history.reduce(evolveStaffMember, null as StaffMember | null);
    const decision = decide(current);
    if (!decision.ok) return decision;
    const { member, event } = decision.value;
    if (!event) return ok({ member, revision: history.length - 1, position: null });
    const expected = history.length === 0 ? 'no-stream' : BigInt(history.length - 1);
    const appended = await deps.store.append(stream, [{
      id: deterministicUuid('staff-member-event', staffId, history.length),
      type,
      data: event,
      metadata: { actor: event.actor },
    }], expected);
    if (appended.ok) return ok({ member, revision: history.length, position: appended.position });
    if (attempt >= ATTEMPTS) throw appended.error;
  }
}
