import { describe, expect, it } from 'vitest';
import {
  approachingTurnNotificationId,
  planApproachingTurn,
  tokensReachingTurn,
  type QueueToken,
  type TokenTurnState,
} from '../../src/domain/walk-in/plan-approaching-turn.ts';
import { planningTemplates } from '../../src/domain/templates/planning-templates.ts';
import { centre, patient, secondPatient, walkinQueue } from '../support/envelopes.ts';

const token = (number: string, position: number): QueueToken => ({ number, position, patient });
const QUEUE = [token('A-1', 1), token('A-2', 2), token('A-3', 3), token('A-4', 4)];

describe('which tokens of a queue update are told their turn is near', () => {
  it.each([
    [0, []],
    [1, ['A-1']],
    [3, ['A-1', 'A-2', 'A-3']],
    [10, ['A-1', 'A-2', 'A-3', 'A-4']],
  ] as const)('given a threshold of %i and no token told today, then %j are told', (threshold, told) => {
    expect(tokensReachingTurn(QUEUE, threshold, () => undefined).map((t) => t.number)).toEqual(told);
  });

  it.each([
    ['already told today', { notified: true, called: false }],
    ['already called', { notified: false, called: true }],
  ])('given token A-2 was %s, when it is within the threshold, then it is not told again', (_what, state: TokenTurnState) => {
    const known = (n: string): TokenTurnState | undefined => (n === 'A-2' ? state : undefined);
    expect(tokensReachingTurn(QUEUE, 3, known).map((t) => t.number)).toEqual(['A-1', 'A-3']);
  });

  it('given a token listed twice in one update, when it is within the threshold, then it is told once', () => {
    expect(tokensReachingTurn([token('A-1', 1), token('A-1', 2)], 3, () => undefined)).toEqual([token('A-1', 1)]);
  });
});

describe('planning the approaching-turn message of one token', () => {
  const input = {
    eventId: 'evt-queue-1',
    occurredAt: '2026-11-24T09:00:00Z',
    centre,
    queue: walkinQueue,
    threshold: 3,
    localDate: '2026-11-24',
    now: new Date('2026-11-24T09:00:05Z'),
    templates: planningTemplates,
    blockFor: () => null,
  };

  it('given a token with a phone within the threshold, when planned, then one WhatsApp message is planned under the walk-in threshold', () => {
    const decisions = planApproachingTurn({ ...input, token: { number: 'A-017', position: 2, patient, room: 'Room 3' } });
    expect(decisions).toEqual([
      expect.objectContaining({
        kind: 'planned',
        event: expect.objectContaining({
          notificationId: approachingTurnNotificationId(centre.id, walkinQueue.id, 'A-017', '2026-11-24', 'whatsapp'),
          eventType: 'walkin.approaching_turn',
          channel: 'whatsapp',
          selection: { kind: 'walkin-threshold', threshold: 3 },
          recipient: expect.objectContaining({ id: patient.id, address: patient.phone }),
        }),
      }),
    ]);
  });

  it('given a patient who opted out of WhatsApp, when planned, then the message is suppressed as opted out', () => {
    const decisions = planApproachingTurn({ ...input, token: token('A-017', 1), blockFor: () => 'opted-out' });
    expect(decisions).toMatchObject([{ kind: 'suppressed', event: { channel: 'whatsapp', reason: 'opted-out' } }]);
  });

  it('given a patient with no phone, when planned, then the message is suppressed for no contact', () => {
    const { phone: _phone, ...withoutPhone } = patient;
    const decisions = planApproachingTurn({ ...input, token: { number: 'A-017', position: 1, patient: withoutPhone } });
    expect(decisions).toMatchObject([{ kind: 'suppressed', event: { reason: 'no-contact' } }]);
  });

  it('given the same token reached again by a later update the same day, when planned, then it names the same notification', () => {
    const first = planApproachingTurn({ ...input, token: token('A-017', 3) });
    const later = planApproachingTurn({ ...input, eventId: 'evt-queue-2', token: token('A-017', 1) });
    expect(later.map((d) => d.event.notificationId)).toEqual(first.map((d) => d.event.notificationId));
  });

  it('given the same token number on the next day, when planned, then it names another notification', () => {
    const today = planApproachingTurn({ ...input, token: token('A-017', 1) });
    const tomorrow = planApproachingTurn({ ...input, localDate: '2026-11-25', token: { ...token('A-017', 1), patient: secondPatient } });
    expect(tomorrow[0]?.event.notificationId).not.toBe(today[0]?.event.notificationId);
  });
});
