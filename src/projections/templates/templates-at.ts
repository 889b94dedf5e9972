import type { PlanningTemplates } from '../../domain/notifications/plan-notifications.ts';
import { planningTemplatesFrom, staffPlanningTemplatesFrom } from '../../domain/templates/planning-templates.ts';
import type { StaffPlanningTemplates } from '../../domain/staff-routing/plan-staff-notifications.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import type { ReactionContext } from '../ledger-reaction.ts';
import { templateCatalogue } from './template-catalogue-state.ts';

/** The templates as they stood just before `position` (the event being planned), for patient planning. */
export async function planningTemplatesAt(context: Pick<ReactionContext, 'state'>, position: LedgerPosition): Promise<PlanningTemplates> {
  return planningTemplatesFrom(await context.state.of(templateCatalogue).asOf(position));
}

/** The same, for staff planning. */
export async function staffPlanningTemplatesAt(context: Pick<ReactionContext, 'state'>, position: LedgerPosition): Promise<StaffPlanningTemplates> {
  return staffPlanningTemplatesFrom(await context.state.of(templateCatalogue).asOf(position));
}
