import { limitRejection, MAX_ENVELOPE_BYTES, parseEnvelope } from '../../domain/intake/envelope.ts';
import { formatPosition } from '../../ledger/event-store.ts';
import { publishers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf } from '../context.ts';
import { validationResult, ValidationError, ValidationErrorRef } from './errors.ts';

interface Accepted {
  kind: 'accepted';
  eventId: string;
  receipt: number;
  position: string;
}
interface Duplicate {
  kind: 'duplicate';
  eventId: string;
  payloadMatches: boolean;
  position: string;
}

const EventAccepted = builder.objectRef<Accepted>('EventAccepted').implement({
  description: 'Recorded in the ledger; it will be planned and sent.',
  fields: (t) => ({
    eventId: t.exposeString('eventId'),
    receipt: t.exposeInt('receipt', { description: '1 the first time; more when received again after the dedup window.' }),
    position: t.exposeString('position', { description: 'Its ledger position.' }),
  }),
});

const EventDuplicate = builder.objectRef<Duplicate>('EventDuplicate').implement({
  description: 'Received again inside the dedup window: noted, not processed again.',
  fields: (t) => ({
    eventId: t.exposeString('eventId'),
    payloadMatches: t.exposeBoolean('payloadMatches', { description: 'False when the id was reused with other content.' }),
    position: t.exposeString('position'),
  }),
});

const PublishEventResult = builder.unionType('PublishEventResult', {
  types: [EventAccepted, EventDuplicate, ValidationErrorRef],
  resolveType: (value) => ('issues' in value ? ValidationErrorRef : value.kind === 'accepted' ? EventAccepted : EventDuplicate),
});

const PublishEventInput = builder.inputType('PublishEventInput', {
  description: 'The AMQP envelope, field for field. Checked exactly as POST /events and the AMQP intake check it.',
  fields: (t) => ({
    eventId: t.string({ required: true, description: '1-128 characters, unique per event; namespace it by source system (`his:123`).' }),
    type: t.string({ required: true, description: 'An upstream event type, e.g. `appointment.confirmed`.' }),
    occurredAt: t.string({ required: true, description: 'ISO-8601 with a time zone.' }),
    data: t.field({ type: 'JSON', required: true }),
  }),
});

builder.mutationField('publishEvent', (t) =>
  t.field({
    type: PublishEventResult,
    description: 'Publish an upstream event without a broker: the same validation, dedup and ledger path as AMQP.',
    authScopes: publishers,
    args: { input: t.arg({ type: PublishEventInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      // Before the size is measured: JSON.stringify recurses, and `data` may be nested 10,000 deep.
      const overLimit = limitRejection(input);
      if (overLimit) return validationResult(new ValidationError(overLimit.kind, overLimit.issues));
      const size = Buffer.byteLength(JSON.stringify(input));
      if (size > MAX_ENVELOPE_BYTES) {
        return validationResult(new ValidationError('too-large', [{ path: '', message: `message is over ${MAX_ENVELOPE_BYTES} bytes` }]));
      }
      const parsed = parseEnvelope(input);
      if (!parsed.ok) return validationResult(new ValidationError(parsed.error.kind, parsed.error.issues));
      const outcome = await ctx.services.intake.record(parsed.value, 'graphql', actorOf(ctx));
      const position = formatPosition(outcome.position);
      return outcome.outcome === 'accepted'
        ? { kind: 'accepted' as const, eventId: parsed.value.eventId, receipt: outcome.receipt, position }
        : { kind: 'duplicate' as const, eventId: parsed.value.eventId, payloadMatches: outcome.payloadMatches, position };
    },
  }),
);
