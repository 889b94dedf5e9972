import { z } from 'zod';
import { Bcp47, IanaTimeZone, IsoDateTime } from '../contact-schemas.ts';
import { EventId } from './envelope.ts';
import { PAYLOAD_SCHEMAS, UPSTREAM_EVENT_TYPES } from '../event-catalogue.ts';
import { exampleEnvelope } from './example-payloads.ts';

/*
 * The payload contract as JSON Schema (draft 2020-12) for upstream integrators, generated from the
 * same zod schemas intake validates with, so the published files cannot drift from what we accept.
 * Two rules are checks in code that JSON Schema cannot state (a real IANA zone, a well-formed
 * BCP 47 tag); their schemas carry a description saying so instead.
 */

const EVENT_ID_DESCRIPTION = 'Unique per event, 1-128 characters. Namespace it by its source system, e.g. "his:123": '
  + 'a repeat of an eventId is treated as a duplicate.';
const OCCURRED_AT_DESCRIPTION = 'When the event happened, ISO-8601 with a time zone, e.g. 2026-11-24T09:30:00Z.';
const EXTRA_FIELDS_NOTE = 'Unknown extra fields are kept as received and otherwise ignored.';

function annotate(ctx: { zodSchema: unknown; jsonSchema: { description?: string } }): void {
  if (ctx.zodSchema === IanaTimeZone) ctx.jsonSchema.description = 'An IANA time zone name, e.g. "Asia/Kolkata" (checked against the IANA database).';
  if (ctx.zodSchema === Bcp47) ctx.jsonSchema.description = 'A BCP 47 language tag, e.g. "hi" or "en-IN" (checked for well-formedness).';
}

const toJsonSchema = (schema: z.ZodType): Record<string, unknown> =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw', override: annotate });

function envelopeFor(type: (typeof UPSTREAM_EVENT_TYPES)[number]): z.ZodType {
  return z.object({
    eventId: EventId.describe(EVENT_ID_DESCRIPTION),
    type: z.literal(type).describe('The event type; on AMQP it is also the routing key.'),
    occurredAt: IsoDateTime.describe(OCCURRED_AT_DESCRIPTION),
    data: PAYLOAD_SCHEMAS[type].describe(`The ${type} payload. ${EXTRA_FIELDS_NOTE}`),
  }).meta({
    title: type,
    description: `A ${type} event as published to the clinic.events exchange (routing key "${type}") or POSTed to /events. `
      + 'A whole message is at most 1 MiB.',
    examples: [exampleEnvelope(type)],
  });
}

const genericEnvelope = z.object({
  eventId: EventId.describe(EVENT_ID_DESCRIPTION),
  type: z.enum(UPSTREAM_EVENT_TYPES as [string, ...string[]]).describe('The event type; on AMQP it is also the routing key. Each type has its own schema file, <type>.json.'),
  occurredAt: IsoDateTime.describe(OCCURRED_AT_DESCRIPTION),
  data: z.record(z.string(), z.unknown()).describe('The payload; its shape depends on the type, see <type>.json.'),
}).meta({
  title: 'Event envelope',
  description: 'The envelope every upstream event shares. Validate against <type>.json for the full contract of one type.',
  examples: [exampleEnvelope('appointment.confirmed')],
});

/** One JSON Schema per upstream event type (`<type>.json`, the whole envelope) plus `envelope.json`, by file name. */
export function jsonSchemasForUpstream(): Record<string, object> {
  const files: Record<string, object> = { 'envelope.json': toJsonSchema(genericEnvelope) };
  for (const type of UPSTREAM_EVENT_TYPES) files[`${type}.json`] = toJsonSchema(envelopeFor(type));
  return files;
}

/** The files' exact text, as written to schemas/ and compared with it. */
export function jsonSchemaFiles(): Record<string, string> {
  return Object.fromEntries(Object.entries(jsonSchemasForUpstream()).map(([name, schema]) => [name, `${JSON.stringify(schema, null, 2)}\n`]));
}
