import { VIEWER, ViewerAnswer } from './conversation-documents.ts';
import type { GraphqlClient } from './graphql-client.ts';

/** What the signed-in token may see and do, so the page offers only that. */
export interface Access {
  /** Notifications, their counts and the templates (dashboards, auditors, admins). */
  deliveries: boolean;
  /** Conversations (every reader and the front desk). */
  conversations: boolean;
  /** Replies to patients (the front desk and admins). */
  reply: boolean;
}

/**
 * Asks the API who the token is (`viewer`) and answers what its role may do; throws
 * UnauthorizedError for a token the API does not know. A reply refused all the same still
 * disables the reply box.
 */
export async function probeAccess(client: GraphqlClient): Promise<Access> {
  const { viewer } = await client.request(VIEWER, {}, ViewerAnswer);
  const reads = viewer.role === 'admin' || viewer.role === 'auditor' || viewer.role === 'dashboard';
  return {
    deliveries: reads,
    conversations: reads || viewer.role === 'frontdesk',
    reply: viewer.role === 'admin' || viewer.role === 'frontdesk',
  };
}
