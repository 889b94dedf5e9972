import { CAN_READ_CONVERSATIONS, CanReadConversationsAnswer, IS_ADMIN, IsAdminAnswer } from './conversation-documents.ts';
import { WHO_CAN_READ, WhoCanReadAnswer } from './documents.ts';
import { ForbiddenError, GraphqlError, type GraphqlClient } from './graphql-client.ts';

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
 * Asks the API what the token may read; throws UnauthorizedError for a token it does not know.
 * Roles, as the API grants them: a front desk reads conversations and no notifications, and
 * replies; of the roles that read notifications, only admins reply (and only they read the
 * webhook endpoints). A reply refused all the same still disables the reply box.
 */
export async function probeAccess(client: GraphqlClient): Promise<Access> {
  const [deliveries, conversations] = await Promise.all([
    allowed(() => client.request(WHO_CAN_READ, {}, WhoCanReadAnswer), 'strict'),
    allowed(() => client.request(CAN_READ_CONVERSATIONS, {}, CanReadConversationsAnswer), 'optional'),
  ]);
  const reply = conversations && (!deliveries || (await allowed(() => client.request(IS_ADMIN, {}, IsAdminAnswer), 'optional')));
  return { deliveries, conversations, reply };
}

/**
 * True when the read is answered, false when the role may not make it. `optional`: a server
 * without the field (an older release) answers false too; `strict`: anything else is a failure.
 */
async function allowed(read: () => Promise<unknown>, mode: 'strict' | 'optional'): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (error instanceof ForbiddenError) return false;
    if (mode === 'optional' && error instanceof GraphqlError) return false;
    throw error;
  }
}
