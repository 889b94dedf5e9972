import { streamNameProblem } from '../domain/stream-name.ts';
import { LedgerInputError, MAX_EVENT_BYTES, type NewEvent } from './event-store.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// PostgreSQL's jsonb cannot hold \u0000 nor an unpaired surrogate, and JSON.stringify writes exactly
// those as escapes (after an odd run of backslashes). Refused here, they are bad input, not an outage.
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

export interface SerializedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

/** Checks an append before anything is written; every adapter refuses the same things the same way. */
export function serializeAppend(stream: string, events: readonly NewEvent[]): SerializedEvent[] {
  const problem = streamNameProblem(stream);
  if (problem) throw new LedgerInputError('invalid-stream-name', `${problem}: ${JSON.stringify(stream.slice(0, 80))}`);
  if (events.length === 0) throw new LedgerInputError('empty-append', `Nothing to append to ${stream}`);
  return events.map((event, i) => {
    if (!UUID.test(event.id)) throw new LedgerInputError('invalid-event', `events[${i}].id must be a UUID`);
    if (!/^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/.test(event.type)) {
      throw new LedgerInputError('invalid-event', `events[${i}].type must be 1-128 letters, digits, dots, dashes or underscores`);
    }
    const data = JSON.stringify(event.data ?? null);
    const metadata = JSON.stringify(event.metadata ?? {});
    if (UNSTORABLE_ESCAPE.test(data) || UNSTORABLE_ESCAPE.test(metadata)) {
      throw new LedgerInputError('invalid-event', `events[${i}] (${event.type}) holds a NUL character or an unpaired surrogate`);
    }
    const bytes = Buffer.byteLength(data) + Buffer.byteLength(metadata);
    if (bytes > MAX_EVENT_BYTES) {
      throw new LedgerInputError('event-too-large', `events[${i}] (${event.type}) is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`);
    }
    return { id: event.id, type: event.type, data, metadata };
  });
}
