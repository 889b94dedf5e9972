import { z } from 'zod';
import { graphql, waitFor } from './demo-graphql.ts';

const ERASED = '[erased]';

export type ErasureOutcome =
  | { kind: 'forgotten'; notifications: number; erasedAddresses: number; statuses: Record<string, number>; keysDestroyed: number }
  | { kind: 'skipped'; reason: string };

/**
 * The day's one erasure: a patient withdraws consent and an admin forgets them. What the demo then
 * reads back is what an auditor would: every notification still there with its status, and
 * `[erased]` where the patient's address was.
 */
export async function patientIsForgotten(baseUrl: string, adminToken: string, patientId: string): Promise<ErasureOutcome> {
  const Erased = z.object({ erasePerson: z.object({ __typename: z.string(), keysDestroyed: z.number().optional(), message: z.string().optional() }) });
  const erased = Erased.parse(await graphql(baseUrl, adminToken,
    `mutation($id: ID!) { erasePerson(kind: PATIENT, id: $id, reason: "demo: the patient withdrew consent at the front desk") {
      __typename ... on PersonErasure { keysDestroyed } ... on Error { message } } }`, { id: patientId })).erasePerson;
  if (erased.keysDestroyed === undefined) return { kind: 'skipped', reason: `the erasure was refused: ${erased.message ?? erased.__typename}` };

  const Page = z.object({ notifications: z.object({ edges: z.array(z.object({ node: z.object({ status: z.string(), recipient: z.object({ address: z.string().nullable() }) }) })) }) });
  const read = async () => Page.parse(await graphql(baseUrl, adminToken,
    'query($id: String!) { notifications(first: 200, filter: { recipient: $id }) { edges { node { status recipient { address } } } } }', { id: patientId }))
    .notifications.edges.map((e) => e.node);
  // The read models scrub the patient's rows as they reach the erasure: give them a moment.
  const nodes = (await waitFor(async () => {
    const seen = await read();
    return seen.every((n) => n.recipient.address === null || n.recipient.address === ERASED) ? seen : null;
  })) ?? (await read());
  const statuses: Record<string, number> = {};
  for (const n of nodes) statuses[n.status] = (statuses[n.status] ?? 0) + 1;
  return {
    kind: 'forgotten',
    notifications: nodes.length,
    erasedAddresses: nodes.filter((n) => n.recipient.address === ERASED).length,
    statuses,
    keysDestroyed: erased.keysDestroyed,
  };
}
