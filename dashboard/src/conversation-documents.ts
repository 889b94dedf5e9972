import { z } from 'zod';

// The conversation operations the page runs, each beside the schema that checks its answer.

const CONVERSATION_FIELDS = 'id contact centreId patients { id name } window { open closesAt } lastMessageAt inboundMessages replies';
// The list shows the last message only as a hint (its words, and whether it is the patient's).
const LAST_MESSAGE_FIELDS = 'messages(last: 1) { id direction at type text }';
const MESSAGE_FIELDS = `id direction at channel type text intent sentBy
  media { kind mimeType caption } location { latitude longitude name address } notification { id status }`;
/** How much of a thread the page shows: the latest messages. */
export const THREAD_LENGTH = 100;
const THREAD_FIELDS = `${CONVERSATION_FIELDS} messages(last: ${THREAD_LENGTH}) { ${MESSAGE_FIELDS} }`;

const Direction = z.enum(['IN', 'OUT']);

const ConversationFields = {
  id: z.string(),
  /** Whole for a front desk, auditors and admins; masked (+91******3210) for dashboards. */
  contact: z.string(),
  centreId: z.string().nullable(),
  patients: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  window: z.object({ open: z.boolean(), closesAt: z.string().nullable() }),
  lastMessageAt: z.string(),
  inboundMessages: z.number(),
  replies: z.number(),
};

export const LastMessage = z.object({ id: z.string(), direction: Direction, at: z.string(), type: z.string(), text: z.string().nullable() });
export type LastMessage = z.infer<typeof LastMessage>;

export const ConversationSummary = z.object({ ...ConversationFields, messages: z.array(LastMessage) });
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const ThreadMessage = z.object({
  id: z.string(),
  direction: Direction,
  at: z.string(),
  channel: z.string(),
  /** text, button, media or location for the patient's; text for a reply; template for a notification. */
  type: z.string(),
  text: z.string().nullable(),
  intent: z.string().nullable(),
  sentBy: z.string().nullable(),
  media: z.object({ kind: z.string(), mimeType: z.string().nullable(), caption: z.string().nullable() }).nullable(),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().nullable(), address: z.string().nullable() }).nullable(),
  notification: z.object({ id: z.string(), status: z.string() }).nullable(),
});
export type ThreadMessage = z.infer<typeof ThreadMessage>;

export const Thread = z.object({ ...ConversationFields, messages: z.array(ThreadMessage) });
export type Thread = z.infer<typeof Thread>;

/** The most conversations the API lists at once. */
export const LIST_SIZE = 100;

export const LIST_CONVERSATIONS = `query Conversations($first: Int) {
  conversations(first: $first) { ${CONVERSATION_FIELDS} ${LAST_MESSAGE_FIELDS} }
}`;
export const ListConversationsAnswer = z.object({ conversations: z.array(ConversationSummary) });

export const CONVERSATION_UPDATED = `subscription ConversationUpdated {
  conversationUpdated { ${CONVERSATION_FIELDS} ${LAST_MESSAGE_FIELDS} }
}`;
export const ConversationUpdatedAnswer = z.object({ conversationUpdated: ConversationSummary });

export const CONVERSATION_THREAD = `query Conversation($patientId: String!) {
  conversation(patientId: $patientId) { ${THREAD_FIELDS} }
}`;
export const ConversationThreadAnswer = z.object({ conversation: Thread.nullable() });

export const REPLY_TO_PATIENT = `mutation ReplyToPatient($patientId: String!, $text: String!, $idempotencyKey: String!) {
  replyToPatient(patientId: $patientId, text: $text, idempotencyKey: $idempotencyKey) {
    __typename
    ... on ReplySent { notificationId created conversation { ${THREAD_FIELDS} } }
    ... on WindowClosed { closedAt message }
    ... on ValidationError { message issues { path message } }
    ... on NotFoundError { id message }
  }
}`;
export const ReplyAnswer = z.discriminatedUnion('__typename', [
  z.object({ __typename: z.literal('ReplySent'), notificationId: z.string(), created: z.boolean(), conversation: Thread.nullable() }),
  z.object({ __typename: z.literal('WindowClosed'), closedAt: z.string().nullable(), message: z.string() }),
  z.object({ __typename: z.literal('ValidationError'), message: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })) }),
  z.object({ __typename: z.literal('NotFoundError'), id: z.string(), message: z.string() }),
]);
export type ReplyAnswer = z.infer<typeof ReplyAnswer>;
export const ReplyToPatientAnswer = z.object({ replyToPatient: ReplyAnswer });

// What the token may do. The API names no role: each probe asks for the least of one thing.
/** Who the token is: its role says what the page offers. */
export const VIEWER = 'query Viewer { viewer { name role centres } }';
export const ViewerAnswer = z.object({ viewer: z.object({ name: z.string(), role: z.string(), centres: z.array(z.string()).nullable() }) });
