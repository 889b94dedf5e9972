import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { graphql, waitFor } from './demo-graphql.ts';

const REQUEST_TIMEOUT_MS = 15_000;

export const PATIENT_WORDS = 'Can I come at 11 instead?';
export const FRONT_DESK_WORDS = 'Yes, 11:00 works. See you then!';

export type ConversationOutcome =
  | { kind: 'answered'; status: string; window: string }
  | { kind: 'skipped'; reason: string };

/**
 * The day's one conversation: a patient writes back to their confirmation (played through the
 * sandbox's inbound route, as no provider can deliver a patient's message there), the message
 * reaches the front desk, and the front desk answers inside the 24-hour window.
 */
export async function patientWritesFrontDeskAnswers(
  baseUrl: string,
  tokens: { admin: string; frontDesk: string },
  patient: { patientId: string; phone: string },
): Promise<ConversationOutcome> {
  const posted = await fetch(new URL('/sandbox/whatsapp/messages', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.admin}` },
    body: JSON.stringify({ from: patient.phone, text: PATIENT_WORDS }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (posted.status === 404) return { kind: 'skipped', reason: 'WhatsApp is not in sandbox mode here, so the demo cannot play a patient' };
  if (posted.status !== 202) return { kind: 'skipped', reason: `the sandbox answered HTTP ${posted.status}` };

  const query = (text: string, variables: Record<string, unknown>) => graphql(baseUrl, tokens.frontDesk, text, variables);
  const Conversation = z.object({ conversation: z.object({ inboundMessages: z.number(), window: z.object({ open: z.boolean(), closesAt: z.string().nullable() }) }).nullable() });
  const seen = await waitFor(async () => {
    const data = Conversation.parse(await query('query($id: String!) { conversation(patientId: $id) { inboundMessages window { open closesAt } } }', { id: patient.patientId }));
    return data.conversation && data.conversation.inboundMessages > 0 ? data.conversation : null;
  });
  if (!seen) return { kind: 'skipped', reason: 'the patient\'s message did not reach the front desk in time' };

  const Reply = z.object({ replyToPatient: z.object({ __typename: z.string(), notificationId: z.string().optional(), message: z.string().optional() }) });
  const answer = Reply.parse(await query(
    `mutation($id: String!, $text: String!, $key: String!) { replyToPatient(patientId: $id, text: $text, idempotencyKey: $key) {
      __typename ... on ReplySent { notificationId } ... on Error { message } } }`,
    { id: patient.patientId, text: FRONT_DESK_WORDS, key: randomUUID() },
  )).replyToPatient;
  if (!answer.notificationId) return { kind: 'skipped', reason: `the reply was refused: ${answer.message ?? answer.__typename}` };

  const Status = z.object({ notification: z.object({ status: z.string() }).nullable() });
  const status = await waitFor(async () => {
    const data = Status.parse(await graphql(baseUrl, tokens.admin, 'query($id: ID!) { notification(id: $id) { status } }', { id: answer.notificationId }));
    const current = data.notification?.status;
    return current && ['sent', 'delivered', 'read', 'failed'].includes(current) ? current : null;
  });
  return { kind: 'answered', status: status ?? 'planned', window: seen.window.closesAt ?? 'closed' };
}
