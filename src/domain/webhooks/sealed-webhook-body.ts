import type { PersonErased } from '../erasure/person-erased.ts';
import { ERASED } from '../keys/personal-data.ts';
import { isCell } from '../keys/sealed-cell.ts';
import { maskAddress } from '../mask-contact.ts';
import { keepsAddress } from './webhook-messages.ts';

/*
 * A webhook message's body at rest keeps what is personal in it as the ledger keeps it: sealed, as
 * cells (sealed-cell.ts), for an endpoint trusted with contacts and for one that is not. It is
 * opened just before it is signed and sent, and an address is masked then for an endpoint that is
 * not trusted with contacts (masking needs the address in clear). Opening the same body gives the
 * same bytes every time, so a retry and a replay carry what the first attempt carried, signed alike;
 * once its person is erased, it reads `[erased]`, as a rebuild would make it.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const dataOf = (body: unknown): Json | null => (isObject(body) && isObject(body.data) ? body.data : null);
const recipientOf = (data: Json | null): Json | null => (data && isObject(data.recipient) ? data.recipient : null);

/**
 * The text to sign and send, from the body a message keeps (parsed) and the same body with its
 * cells opened: for an endpoint not trusted with contacts, the address a cell held is masked now,
 * as `webhookBody` masks one it is given in clear.
 */
export function bodyToSend(stored: unknown, opened: unknown, includeContacts: boolean): string {
  const data = dataOf(opened);
  const recipient = recipientOf(data);
  const address = recipient?.address;
  const masks = !includeContacts && isCell(recipientOf(dataOf(stored))?.address) && typeof address === 'string' && !keepsAddress(address, data!.channel);
  if (!masks) return JSON.stringify(opened);
  return JSON.stringify({ ...(opened as Json), data: { ...data, recipient: { ...recipient, address: maskAddress(address) } } });
}

/**
 * A body kept in clear, before bodies kept cells, as it reads once `erased`'s keys are gone: the
 * recipient's address in a message about a notification to them, and the words of a reply from one
 * of their numbers, `[erased]`; null when it holds nothing of theirs in clear. Cells are left as they
 * are: they open to `[erased]` now, and a rebuild copies the same ones.
 */
export function erasedBody(body: string, erased: Pick<PersonErased, 'kind' | 'id' | 'contacts'>): string | null {
  const parsed = JSON.parse(body) as unknown;
  const data = dataOf(parsed);
  if (!data) return null;
  const recipient = recipientOf(data);
  if (recipient && recipient.kind === erased.kind && recipient.id === erased.id && typeof recipient.address === 'string' && recipient.address !== ERASED && !isCell(recipient.address)) {
    recipient.address = ERASED;
    return JSON.stringify(parsed);
  }
  const isTheirReply = (parsed as Json).type === 'patient.replied' && typeof data.conversationId === 'string' && erased.contacts.includes(data.conversationId);
  if (isTheirReply && typeof data.text === 'string' && data.text !== ERASED && !isCell(data.text)) {
    data.text = ERASED;
    return JSON.stringify(parsed);
  }
  return null;
}
