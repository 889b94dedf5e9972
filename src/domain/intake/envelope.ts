import { z } from 'zod';
import { IsoDateTime } from '../contact-schemas.ts';
import { GENERATED_EVENT_TYPES, PAYLOAD_SCHEMAS, isEventType, type EventType } from '../event-catalogue.ts';
import { findJsonLimitViolation } from './json-limits.ts';
import { err, ok, type Result } from '../result.ts';

/** A whole message is at most 1 MiB: KurrentDB's default append limit. */
export const MAX_ENVELOPE_BYTES = 1024 * 1024;

export const EventId = z
  .string()
  .min(1, { message: 'must be 1-128 characters' })
  .max(128, { message: 'must be 1-128 characters' })
  // The id names the ledger stream `inbound-<eventId>`, and stream names refuse control characters.
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, { message: 'must not contain control characters' });

const EnvelopeShape = z.object({
  eventId: EventId,
  type: z.string().min(1).max(128),
  occurredAt: IsoDateTime,
  data: z.record(z.string(), z.unknown()),
});

/** An upstream event as received: `data` is exactly what was sent, unknown fields included. */
export interface Envelope<T extends EventType = EventType> {
  eventId: string;
  type: T;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface FieldIssue {
  /** Where the problem is, e.g. `data.patient.phone`. Never the value itself. */
  path: string;
  message: string;
}

export type EnvelopeRejection =
  | { kind: 'not-json'; issues: FieldIssue[] }
  | { kind: 'too-large'; issues: FieldIssue[] }
  | { kind: 'over-limit'; issues: FieldIssue[] }
  | { kind: 'invalid-envelope'; issues: FieldIssue[] }
  | { kind: 'unknown-type'; issues: FieldIssue[] }
  | { kind: 'invalid-payload'; issues: FieldIssue[] }
  | { kind: 'routing-key-mismatch'; issues: FieldIssue[] };

/** One line for a dead-letter header or a log: the field paths and rules, never the values. */
export const describeRejection = (r: EnvelopeRejection): string =>
  `${r.kind}: ${r.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`;

export interface ParseOptions {
  /** Types produced by this service are refused from outside like unknown types. */
  allowGenerated?: boolean;
}

/**
 * Judges a received envelope. The limits on depth, counts and string lengths (json-limits.ts) come
 * first, before any schema or hash walks the document: all three intakes pass through here.
 */
export function parseEnvelope(raw: unknown, options: ParseOptions = {}): Result<Envelope, EnvelopeRejection> {
  const overLimit = limitRejection(raw);
  if (overLimit) return err(overLimit);
  const shape = EnvelopeShape.safeParse(raw);
  if (!shape.success) return err({ kind: 'invalid-envelope', issues: toFieldIssues(shape.error.issues) });
  const { eventId, type, occurredAt, data } = shape.data;
  if (!isEventType(type) || (!options.allowGenerated && (GENERATED_EVENT_TYPES as readonly string[]).includes(type))) {
    return err({ kind: 'unknown-type', issues: [{ path: 'type', message: 'is not an event type this service accepts' }] });
  }
  const payload = PAYLOAD_SCHEMAS[type].safeParse(data);
  if (!payload.success) return err({ kind: 'invalid-payload', issues: toFieldIssues(payload.error.issues, ['data']) });
  return ok({ eventId, type, occurredAt, data });
}

/**
 * The first limit a received document crosses, as a rejection naming the path. For a caller that
 * must walk the document before parsing it (measuring its size with JSON.stringify, which recurses).
 */
export function limitRejection(raw: unknown): EnvelopeRejection | null {
  const violation = findJsonLimitViolation(raw);
  return violation ? { kind: 'over-limit', issues: [{ path: formatPath(violation.path), message: violation.message }] } : null;
}

// One decoder for every body: a fatal decoder keeps no state between whole (non-streaming) decodes,
// and building one per message cost more than the decode.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a message body: UTF-8 JSON of at most 1 MiB, then the envelope. */
export function parseEnvelopeBytes(body: Uint8Array, options: ParseOptions = {}): Result<Envelope, EnvelopeRejection> {
  if (body.byteLength > MAX_ENVELOPE_BYTES) {
    return err({ kind: 'too-large', issues: [{ path: '', message: `message is over ${MAX_ENVELOPE_BYTES} bytes` }] });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(utf8.decode(body));
  } catch {
    return err({ kind: 'not-json', issues: [{ path: '', message: 'body is not UTF-8 JSON' }] });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return err({ kind: 'invalid-envelope', issues: [{ path: '', message: 'body must be a JSON object' }] });
  }
  return parseEnvelope(raw, options);
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
}

export function toFieldIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): FieldIssue[] {
  return issues.map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
}
