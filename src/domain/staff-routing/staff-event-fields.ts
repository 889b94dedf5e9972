import type { StaffEventType } from '../event-catalogue.ts';

/**
 * The payload fields a routing rule may test, per staff event type, and what kind of value each
 * holds (DESIGN.md's payload contract). `>=` and `<=` need a numeric field; amounts are decimal
 * strings, session counts integers. A field an event lacks (an optional amount) never matches.
 */
export type FieldKind = { kind: 'decimal' } | { kind: 'integer' } | { kind: 'text' } | { kind: 'enum'; values: readonly string[] };

const text = { kind: 'text' } as const;
const decimal = { kind: 'decimal' } as const;
const integer = { kind: 'integer' } as const;

const common = { 'centre.id': text, 'centre.name': text, 'patient.id': text } as const;
const packageFields = {
  ...common,
  'package.id': text,
  'package.name': text,
  'package.sessionsTotal': integer,
  'package.sessionsUsed': integer,
  'amount.amount': decimal,
  'amount.currency': text,
} as const;

export const STAFF_EVENT_FIELDS: Record<StaffEventType, Readonly<Record<string, FieldKind>>> = {
  'billing.bill_generated': { ...common, 'bill.id': text, 'bill.number': text, 'bill.amount': decimal, 'bill.currency': text },
  'billing.refund_processed': {
    ...common,
    'refund.id': text,
    'refund.amount': decimal,
    'refund.currency': text,
    'refund.reason': text,
    'bill.id': text,
    'bill.number': text,
  },
  'billing.deposit_received': { ...common, 'deposit.id': text, 'deposit.amount': decimal, 'deposit.currency': text, 'deposit.method': text },
  'package.purchased': packageFields,
  'package.redeemed': packageFields,
  'package.expired': packageFields,
  'package.exhausted': packageFields,
  'lab.test_requested': {
    ...common,
    'test.id': text,
    'test.name': text,
    'test.priority': { kind: 'enum', values: ['routine', 'urgent', 'stat'] },
    'doctor.id': text,
  },
  'system.alert': { 'alert.kind': text, 'centre.id': text, 'centre.name': text },
  'patient.replied': { 'reply.channel': { kind: 'enum', values: ['whatsapp', 'sms'] }, 'reply.messageType': { kind: 'enum', values: ['text', 'button', 'media', 'location'] }, 'centre.id': text, 'centre.name': text },
};

export const isNumericKind = (k: FieldKind): boolean => k.kind === 'decimal' || k.kind === 'integer';

/** The value at a dotted path of a payload, or undefined when any step is missing. */
export function fieldValue(data: Record<string, unknown>, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
