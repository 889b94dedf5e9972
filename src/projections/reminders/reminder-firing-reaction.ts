import type { Envelope } from '../../domain/intake/envelope.ts';
import { planReminderNotifications, type ReminderVisit } from '../../domain/reminders/plan-reminder-notifications.ts';
import { REMINDER_EVENT_TYPES as R, type ReminderFired } from '../../domain/reminders/reminder-events.ts';
import { categoryOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { SealedCells } from '../../ledger/sealed-cells.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { appointmentStates } from './reminder-batch-state.ts';
import type { StoredVisit } from './reminder-state.queries.ts';
import { deadlineRules } from '../deadlines/deadline-rules-state.ts';
import { channelPolicies } from '../channel-policies/channel-policies-state.ts';
import { quietHours } from '../quiet-hours/quiet-hours-state.ts';
import { notApprovedAlerts } from '../templates/template-reaction.ts';
import { planningTemplatesAt } from '../templates/templates-at.ts';
import { loadBlocks, loadPatientBlocks, toAppend, type PlanningDeps } from '../deliveries/patient-planning-reaction.ts';

/**
 * A fired reminder becomes appointment.reminder notifications (WhatsApp and email), planned in
 * ledger order like every patient message: against the preferences and opt-outs known at that
 * point, with the appointment's latest confirmed or rescheduled payload. The schedule keeps that
 * payload's patient sealed: it is opened (with `cells`) just before planning from it.
 */
export function reminderFiringReaction(logger: Logger, deps: PlanningDeps & { cells: Pick<SealedCells, 'open'> }): LedgerReaction {
  // A batch keeps each appointment's row, so its visit is the same object from prefetch to react: opened once.
  const opened = new WeakMap<StoredVisit, Promise<ReminderVisit>>();
  const open = (visit: StoredVisit): Promise<ReminderVisit> => {
    let found = opened.get(visit);
    if (!found) {
      // Opened, the kept visit is the payload it was copied from.
      found = deps.cells.open(visit) as Promise<ReminderVisit>;
      opened.set(visit, found);
    }
    return found;
  };
  return {
    name: 'reminder-firing',
    handles: (e) => e.type === R.fired && categoryOf(e.stream) === 'reminder',
    async prefetch(events, { state }) {
      const appointments = await state.of(appointmentStates).get(events.map((e) => (e.data as ReminderFired).appointmentId));
      const visits = await Promise.all([...appointments.values()].flatMap((a) => (a.visit ? [open(a.visit)] : [])));
      await loadPatientBlocks(state, visits.map((v) => v.patient));
    },
    async react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
      const fired = event.data as ReminderFired;
      const appointment = (await context.state.of(appointmentStates).get([fired.appointmentId])).get(fired.appointmentId);
      const stored = appointment?.visit ?? null;
      if (!stored) {
        // Only a schedule made from a confirmed or rescheduled payload fires, so this is a read model
        // out of step with the ledger (dropped without a replay): say so rather than guess a recipient.
        logger.error({ reminderId: fired.reminderId, appointmentId: fired.appointmentId }, 'fired reminder has no appointment payload to plan from');
        return [];
      }
      const visit = await open(stored);
      const envelope: Envelope = { eventId: fired.scheduledBy, type: 'appointment.reminder', occurredAt: fired.firedAt, data: { ...visit } };
      const blockFor = await loadBlocks(context, envelope);
      const templates = await planningTemplatesAt(context, event.position);
      // The appointment's other reminders for this slot, as scheduled when this one fired: one due by
      // the end of quiet hours overtakes this one, if quiet hours defer it.
      const siblings = (appointment?.state.reminders ?? [])
        .filter((r) => r.status === 'scheduled' && r.slotAt === fired.slotAt && r.reminderId !== fired.reminderId)
        .map((r) => ({ reminderId: r.reminderId, offset: r.offset, dueAt: new Date(r.dueAt) }));
      const decisions = planReminderNotifications({
        fired,
        visit,
        siblings,
        templates,
        blockFor,
        deadlineRules: await context.state.of(deadlineRules).rules(),
        channelPolicies: await context.state.of(channelPolicies).policies(),
        ...(deps.smsReachable ? { smsReachable: deps.smsReachable } : {}),
        quietHours: await context.state.of(quietHours).lookup(),
      });
      return [...decisions.map((d) => toAppend(d, event)), ...(await notApprovedAlerts(decisions, event, context))];
    },
  };
}
