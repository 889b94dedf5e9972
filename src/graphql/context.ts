import type { ErasureSealing } from '../commands/erasure/erase-person.ts';
import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import { ALL_CENTRES, type ApiTokens, type Role } from '../http/api-tokens.ts';
import type { IntakeGate } from '../http/intake-gate.ts';
import type { EventStore } from '../ledger/event-store.ts';
import type { SealedCells } from '../ledger/sealed-cells.ts';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { StaffAlertHub } from '../channels/staff-alert-hub.ts';
import type { WhatsAppTemplateLister } from '../commands/templates/record-whatsapp-template-state.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import type { DeliveryFeed } from './delivery-feed.ts';
import type { ConversationHub } from './conversation-hub.ts';

/** Who is calling: the token's name is the identity recorded on every change it makes. */
export interface Caller {
  name: string;
  role: Role;
  /** A front desk's centres (`*`: every one). */
  centres?: readonly string[];
}

/** What resolvers may reach. Built once by the service; the same for every request. */
export interface GraphqlServices {
  store: EventStore;
  db: Kysely<ReadModelDatabase>;
  /** Opens what the read models keep sealed (sealed-cell.ts), as an answer shows it. */
  cells: SealedCells;
  /** The contact-hash key: a lookup by an address compares its keyed hash, as the read models keep addresses sealed. */
  keys: Pick<LedgerKeys, 'contactHash'>;
  intake: IntakeGate;
  clock: Clock;
  feed: DeliveryFeed;
  logger: Logger;
  /** Live in-app staff alerts (the `staffAlerts` subscription). */
  staffAlerts?: StaffAlertHub;
  /** The WhatsApp provider's template list; null when 360dialog is not configured (nothing to sync with). */
  whatsappTemplates?: WhatsAppTemplateLister | null;
  /** Webhook endpoints: the keys that seal their secrets, and why a URL may not be called (null: it may). */
  webhooks?: WebhookEndpointServices;
  /** Conversations as they change (the `conversationUpdated` subscription). */
  conversations?: ConversationHub;
  /** What erasing a person needs: the contact-hash key and the key store; absent or null when personal data is kept in clear. */
  erasure?: ErasureSealing | null;
}

export interface WebhookEndpointServices {
  keys: Pick<LedgerKeys, 'webhookSecrets'>;
  checkTarget(url: string): Promise<string | null>;
}

export interface GraphqlContext {
  /** Null only when no valid token came with the request; every field then refuses. */
  caller: Caller | null;
  services: GraphqlServices;
}

/**
 * Over HTTP the caller comes from `Authorization: Bearer`; over graphql-ws there is no request in
 * yoga's context, so it comes from the connection's init payload (`{ authorization: 'Bearer …' }`).
 */
export function callerFrom(tokens: ApiTokens, initial: { request?: Request; connectionParams?: unknown }): Caller | null {
  const header = initial.request?.headers.get('authorization') ?? authorizationParam(initial.connectionParams);
  const token = tokens.identify(header);
  if (!token) return null;
  return token.centres ? { name: token.name, role: token.role, centres: token.centres } : { name: token.name, role: token.role };
}

/** `authorization` or `Authorization` in graphql-ws connection params, if it is a string. */
export function authorizationParam(params: unknown): string | null {
  if (typeof params !== 'object' || params === null) return null;
  const record = params as Record<string, unknown>;
  const value = record.authorization ?? record.Authorization;
  return typeof value === 'string' ? value : null;
}

/**
 * The centres a caller may see conversations of: null for every centre (admins, auditors,
 * dashboards), a list for a front desk.
 */
export function centresOf(caller: Caller | null): readonly string[] | null {
  if (!caller || caller.role !== 'frontdesk') return null;
  return caller.centres?.includes(ALL_CENTRES) ? null : (caller.centres ?? []);
}

/** The identity a change is recorded under. Scope auth lets no caller-less request reach a mutation. */
export function actorOf(context: GraphqlContext): string {
  if (!context.caller) throw new Error('A change was attempted without a caller; scope auth should have refused it');
  return context.caller.name;
}
