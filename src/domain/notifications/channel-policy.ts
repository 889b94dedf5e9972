import { PATIENT_CHANNELS, isPatientEventType, isEventType, type Channel, type PatientEventType } from '../event-catalogue.ts';
import type { FieldIssue } from '../intake/envelope.ts';
import { err, ok, type Result } from '../result.ts';

/*
 * Which channels a patient event goes out on, and where each goes next when it cannot reach the
 * patient. Staff channels stay with routing rules. A policy is ledger data per event type, with an
 * optional centre override, applied as of the ledger position of the event that causes a plan (for
 * a fallback: the report or decision that triggers it), so a replay decides the same.
 */

/** The channels a patient can be reached on: by phone (WhatsApp, SMS) or by email. */
export const PATIENT_POLICY_CHANNELS = ['whatsapp', 'sms', 'email'] as const;
export type PatientPolicyChannel = (typeof PATIENT_POLICY_CHANNELS)[number];

export interface ChannelPolicy {
  /** The channels every message of the type is planned on. */
  primary: PatientPolicyChannel[];
  /** Per primary channel, where a message that cannot reach the patient goes next, in order. */
  fallbacks: Partial<Record<PatientPolicyChannel, PatientPolicyChannel[]>>;
  /**
   * Minutes after `sent` without `delivered` (or `read`) after which the next channel is tried.
   * Armed only where the channel's provider reports receipts.
   */
  undeliveredAfterMinutes: number;
}

/** The policy in force for a plan, with the version that says which admin change it came from (0: the product's default). */
export interface PolicyInForce {
  policy: ChannelPolicy;
  version: number;
}

const WALK_IN_TYPES = new Set<string>(['walkin.token_called', 'walkin.approaching_turn']);

/** The seed's matrix, unchanged, with WhatsApp falling back to SMS; 15 minutes to deliver, 3 for walk-ins. */
export function defaultChannelPolicy(eventType: PatientEventType): ChannelPolicy {
  return {
    primary: [...PATIENT_CHANNELS[eventType]],
    fallbacks: { whatsapp: ['sms'] },
    undeliveredAfterMinutes: WALK_IN_TYPES.has(eventType) ? 3 : 15,
  };
}

export const CHANNEL_POLICY_EVENT_TYPES = { set: 'ChannelPolicySet' } as const;

/** An admin's policy for a patient event type, at every centre or at one; it applies to events recorded after it. */
export interface ChannelPolicySet {
  eventType: PatientEventType;
  /** Null: every centre without a policy of its own. */
  centreId: string | null;
  policy: ChannelPolicy;
  actor: string;
  at: string;
}

/** The policy in force: the centre's own, else the one for every centre, else the default. */
export type ChannelPolicies = (eventType: PatientEventType, centreId: string | null) => PolicyInForce;
export const defaultChannelPolicies: ChannelPolicies = (eventType) => ({ policy: defaultChannelPolicy(eventType), version: 0 });

/** Where a message on `channel` goes next, in order: never a channel the event is already planned on. */
export function fallbackChain(policy: ChannelPolicy, channel: Channel): PatientPolicyChannel[] {
  const chain = policy.fallbacks[channel as PatientPolicyChannel] ?? [];
  return chain.filter((next) => next !== channel && !policy.primary.includes(next));
}

const MAX_UNDELIVERED_MINUTES = 24 * 60;

/** A policy an admin gave, checked: each typed issue names the field, never a value. */
export function parseChannelPolicy(
  eventType: string,
  raw: { primary: readonly string[]; fallbacks?: readonly { channel: string; then: readonly string[] }[] | null; undeliveredAfterMinutes?: number | null },
): Result<{ eventType: PatientEventType; policy: ChannelPolicy }, FieldIssue[]> {
  if (!isEventType(eventType) || !isPatientEventType(eventType)) {
    return err([{ path: 'eventType', message: isEventType(eventType) ? 'is a staff event type: its channels are set by routing rules' : 'must be a patient event type of the catalogue' }]);
  }
  const issues: FieldIssue[] = [];
  const isChannel = (c: string): c is PatientPolicyChannel => (PATIENT_POLICY_CHANNELS as readonly string[]).includes(c);
  const primary: PatientPolicyChannel[] = [];
  raw.primary.forEach((c, i) => {
    if (!isChannel(c)) issues.push({ path: `primary[${i}]`, message: `must be one of ${PATIENT_POLICY_CHANNELS.join(', ')}` });
    else if (primary.includes(c)) issues.push({ path: `primary[${i}]`, message: 'is named twice' });
    else primary.push(c);
  });
  if (raw.primary.length === 0) issues.push({ path: 'primary', message: 'must name at least one channel' });
  // Left out: the default chain (WhatsApp -> SMS) where it applies. An empty list: no fallback at all.
  const fallbacks: ChannelPolicy['fallbacks'] = raw.fallbacks == null && primary.includes('whatsapp') && !primary.includes('sms') ? { whatsapp: ['sms'] } : {};
  (raw.fallbacks ?? []).forEach((step, i) => {
    const at = `fallbacks[${i}]`;
    if (!isChannel(step.channel)) return issues.push({ path: `${at}.channel`, message: `must be one of ${PATIENT_POLICY_CHANNELS.join(', ')}` });
    if (!primary.includes(step.channel)) return issues.push({ path: `${at}.channel`, message: 'must be one of the primary channels' });
    if (fallbacks[step.channel]) return issues.push({ path: `${at}.channel`, message: 'has a chain already' });
    const chain: PatientPolicyChannel[] = [];
    step.then.forEach((next, j) => {
      const path = `${at}.then[${j}]`;
      if (!isChannel(next)) issues.push({ path, message: `must be one of ${PATIENT_POLICY_CHANNELS.join(', ')}` });
      else if (primary.includes(next)) issues.push({ path, message: 'is a primary channel: the message goes there anyway' });
      else if (chain.includes(next)) issues.push({ path, message: 'is named twice' });
      else chain.push(next);
    });
    fallbacks[step.channel] = chain;
    return undefined;
  });
  const minutes = raw.undeliveredAfterMinutes ?? defaultChannelPolicy(eventType).undeliveredAfterMinutes;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_UNDELIVERED_MINUTES) {
    issues.push({ path: 'undeliveredAfterMinutes', message: `must be a whole number of minutes from 1 to ${MAX_UNDELIVERED_MINUTES}` });
  }
  if (issues.length > 0) return err(issues);
  return ok({ eventType, policy: { primary, fallbacks, undeliveredAfterMinutes: minutes } });
}
