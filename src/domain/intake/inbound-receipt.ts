import { createHash, createHmac } from 'node:crypto';
import type { Envelope } from './envelope.ts';

/** How an inbound event reached us. */
export type IntakeVia = 'amqp' | 'http' | 'graphql';
/** How a receipt came in: through an intake, or generated here (`system.alert`). */
export type ReceiptVia = IntakeVia | 'system';

export const INBOUND_RECEIVED = 'InboundEventReceived';
export const DUPLICATE_IGNORED = 'DuplicateIgnored';

export interface InboundEventReceived {
  eventId: string;
  type: string;
  occurredAt: string;
  /** The payload exactly as received, unknown fields included. */
  data: Record<string, unknown>;
  receivedAt: string;
  via: ReceiptVia;
  /** sha256 of the canonical JSON of type, occurredAt and data: tells a true repeat from a reused id. */
  payloadHash: string;
}

export interface DuplicateIgnored {
  receivedAt: string;
  via: IntakeVia;
  payloadMatches: boolean;
}

export interface InboundState {
  lastAcceptedAt: Date | null;
  payloadHash: string | null;
  receipts: number;
  duplicates: number;
}

export const initialInboundState: InboundState = { lastAcceptedAt: null, payloadHash: null, receipts: 0, duplicates: 0 };

export function evolveInbound(state: InboundState, event: { type: string; data: unknown }): InboundState {
  if (event.type === INBOUND_RECEIVED) {
    const data = event.data as InboundEventReceived;
    return { ...state, lastAcceptedAt: new Date(data.receivedAt), payloadHash: data.payloadHash, receipts: state.receipts + 1 };
  }
  if (event.type === DUPLICATE_IGNORED) return { ...state, duplicates: state.duplicates + 1 };
  return state;
}

export type InboundDecision =
  | { kind: 'accept'; event: InboundEventReceived }
  | { kind: 'duplicate'; event: DuplicateIgnored };

/**
 * A repeat inside the window (measured from the last accepted receipt) is ignored and noted; after
 * the window it is a new receipt. Planning it again creates nothing: notification ids are derived
 * from the eventId.
 */
export function decideInbound(state: InboundState, envelope: Envelope, now: Date, windowMs: number, via: IntakeVia, hashKey?: Buffer): InboundDecision {
  const payloadHash = hashPayload(envelope, hashKey);
  if (state.lastAcceptedAt && now.getTime() - state.lastAcceptedAt.getTime() < windowMs) {
    const recorded = state.payloadHash;
    // A receipt recorded before hashes were keyed is compared the way it was hashed.
    const matches = recorded !== null && (recorded.startsWith(KEYED) ? payloadHash === recorded : hashPayload(envelope) === recorded);
    return { kind: 'duplicate', event: { receivedAt: now.toISOString(), via, payloadMatches: matches } };
  }
  return {
    kind: 'accept',
    event: {
      eventId: envelope.eventId,
      type: envelope.type,
      occurredAt: envelope.occurredAt,
      data: envelope.data,
      receivedAt: now.toISOString(),
      via,
      payloadHash,
    },
  };
}

const KEYED = 'k1:';

/**
 * The hash that tells a true repeat from a reused id, over the canonical JSON of type, occurredAt
 * and data. Keyed (HMAC-SHA256 under a key derived from the master key, written `k1:<hex>`), it
 * says nothing of the payload to anyone without the key, though the payload holds personal data;
 * without a key it is the plain SHA-256 receipts were recorded with before.
 */
export function hashPayload(envelope: Pick<Envelope, 'type' | 'occurredAt' | 'data'>, key?: Buffer): string {
  const canonical = canonicalJson({ type: envelope.type, occurredAt: envelope.occurredAt, data: envelope.data });
  return key ? `${KEYED}${createHmac('sha256', key).update(canonical).digest('hex')}` : createHash('sha256').update(canonical).digest('hex');
}

/**
 * JSON with object keys sorted, so equal values always hash alike. Written into one string rather
 * than through arrays of entries: it runs on every event received.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    // An undefined element writes nothing, as `join` did: equal hashes for what was already recorded.
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (value[i] === undefined ? '' : canonicalJson(value[i]));
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}
