import { err, type Result } from '../../domain/result.ts';
import { STAFF_MEMBER_EVENT_TYPES as T, StaffId, decideDeactivateStaffMember, type StaffMemberRejection } from '../../domain/staff-routing/staff-directory.ts';
import { changeStaffMember, type StaffCommandDeps, type StaffMemberChanged } from './change-staff-member.ts';

/** Stops every alert to a member; their record and history stay. */
export async function deactivateStaffMember(
  deps: StaffCommandDeps,
  command: { staffId: string; reason?: string | null; actor: string },
): Promise<Result<StaffMemberChanged, StaffMemberRejection>> {
  if (!StaffId.safeParse(command.staffId).success) return err({ kind: 'not-found', staffId: command.staffId });
  return changeStaffMember(deps, command.staffId, T.deactivated, (current, now) =>
    decideDeactivateStaffMember(current, command.staffId, { actor: command.actor, now, reason: command.reason ?? null }));
}
