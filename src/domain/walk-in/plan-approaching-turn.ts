import type { Envelope } from '../intake/envelope.ts';
import type { Channel } from '../event-catalogue.ts';
import { deterministicUuid } from '../ids.ts';
import type { Centre, Patient } from '../intake/payload-parts.ts';
import { planPatientNotifications, type PlanDecision, type PlanningInput } from '../notifications/plan-notifications.ts';

export interface QueueToken {
  number: string;
  position: number;
  patient: Patient;
  room?: string;
}

/** What the walk-in reaction knows of a token today. */
export interface TokenTurnState {
  notified: boolean;
  called: boolean;
}

/**
 * The tokens of one queue update that are told now: at or within the threshold (`position <=
 * threshold`), never told before today, never called yet. Tokens are numbered afresh each day,
 * so "today" (the centre's local date) is part of a token's identity.
 */
export function tokensReachingTurn(tokens: readonly QueueToken[], threshold: number, known: (token: string) => TokenTurnState | undefined): QueueToken[] {
  const seen = new Set<string>();
  return tokens.filter((t) => {
    if (t.position > threshold || seen.has(t.number)) return false;
    seen.add(t.number);
    const state = known(t.number);
    return !state?.notified && !state?.called;
  });
}

/** (centre, queue, token, local date, channel): one message per token per day, whichever update triggered it. */
export const approachingTurnNotificationId = (centreId: string, queueId: string, token: string, localDate: string, channel: Channel): string =>
  deterministicUuid('notification', 'walkin.approaching_turn', centreId, queueId, token, localDate, channel);

/** The generated walkin.approaching_turn event for one token of a queue update: what its messages are planned from. */
export function approachingTurnEnvelope(input: { eventId: string; occurredAt: string; centre: Centre; queue: { id: string; name: string }; token: QueueToken; threshold: number }): Envelope {
  const { centre, queue, token, threshold } = input;
  return {
    eventId: input.eventId,
    type: 'walkin.approaching_turn',
    occurredAt: input.occurredAt,
    data: {
      centre,
      queue,
      token: token.room === undefined ? { number: token.number } : { number: token.number, room: token.room },
      patient: token.patient,
      position: token.position,
      threshold,
    },
  };
}

export function planApproachingTurn(
  input: {
    /** The walkin.queue_updated event that moved the token within the threshold. */
    eventId: string;
    occurredAt: string;
    centre: Centre;
    queue: { id: string; name: string };
    token: QueueToken;
    threshold: number;
    localDate: string;
    now: Date;
  } & Pick<PlanningInput, 'templates' | 'blockFor' | 'receivedAt' | 'deadlineRules' | 'channelPolicies' | 'smsReachable' | 'quietHours'>,
): PlanDecision[] {
  const { centre, queue, token, threshold } = input;
  const envelope = approachingTurnEnvelope(input);
  return planPatientNotifications({
    envelope,
    now: input.now,
    ...(input.receivedAt ? { receivedAt: input.receivedAt } : {}),
    ...(input.deadlineRules ? { deadlineRules: input.deadlineRules } : {}),
    ...(input.channelPolicies ? { channelPolicies: input.channelPolicies } : {}),
    ...(input.smsReachable ? { smsReachable: input.smsReachable } : {}),
    quietHours: input.quietHours,
    templates: input.templates,
    blockFor: input.blockFor,
    identify: (_target, channel) => ({
      notificationId: approachingTurnNotificationId(centre.id, queue.id, token.number, input.localDate, channel),
      selection: { kind: 'walkin-threshold', threshold },
    }),
  });
}
