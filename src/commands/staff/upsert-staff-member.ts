import { err, type Result } from '../../domain/result.ts';
import { STAFF_MEMBER_EVENT_TYPES as T, StaffId, decideUpsertStaffMember, type StaffMemberRejection } from '../../domain/staff-routing/staff-directory.ts';
import { changeStaffMember, type StaffCommandDeps, type StaffMemberChanged } from './change-staff-member.ts';

/** Adds a staff member or replaces their record; refused with every problem, nothing appended. */
export async function upsertStaffMember(deps: StaffCommandDeps, command: { input: unknown; actor: string }): Promise<Result<StaffMemberChanged, StaffMemberRejection>> {
  const id = typeof command.input === 'object' && command.input !== null ? (command.input as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || !StaffId.safeParse(id).success) {
    return err({ kind: 'invalid-input', issues: [{ field: 'id', code: 'invalid', message: 'must be 1-128 letters, digits or . _ : @ - and start with a letter or digit' }] });
  }
  return changeStaffMember(deps, id, T.upserted, (current, now) => decideUpsertStaffMember(current, command.input, { actor: command.actor, now }));
}
