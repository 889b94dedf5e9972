import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { INGEST_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { CapturedLog } from '../intake/support/intake-harness.ts';
import { PUBLISH_EVENT } from './support/publishing.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

/**
 * publishEvent and POST /events when the input is over a limit or its handling fails: a typed
 * error, a masked one with an error id, or 503 when the ledger is unavailable. Nothing is recorded.
 */
const THROWS = 'his:throws-';
const UNAVAILABLE = 'his:unavailable-';
let service: TestService;
const log = new CapturedLog();
/** The log line that carries `errorId`, parsed. */
const loggedWith = (errorId: unknown) => log.lines.filter((line) => line.includes(String(errorId))).map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  service = await startTestService({
    logger: log.logger,
    dispatch: false,
    schedule: false,
    intake: {
      beforeRecord: (envelope) => {
        if (envelope.eventId.startsWith(THROWS)) throw new TypeError(`cannot read ${envelope.eventId}`);
        if (envelope.eventId.startsWith(UNAVAILABLE)) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
    },
  });
});
afterAll(async () => {
  await service?.stop();
});

const receipts = async (): Promise<number> => {
  const { rows } = await sql<{ n: string }>`select count(*) as n from ledger_events where event_type = 'InboundEventReceived'`.execute(service.connection.db);
  return Number(rows[0]!.n);
};

/** A request body written as text: JSON.stringify recurses, and the data here is nested 10,000 deep. */
async function post(path: string, text: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(path, service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: text,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const deepEnvelopeText = () => {
  const text = JSON.stringify({ ...validEnvelope('appointment.confirmed'), data: { ...validEnvelope('appointment.confirmed').data, deep: '__deep__' } });
  return text.replace('"__deep__"', `${'{"d":'.repeat(10_000)}1${'}'.repeat(10_000)}`);
};

describe('publishEvent', () => {
  it('answers a ValidationError naming the path for data nested 10,000 deep, and records nothing', async () => {
    const before = await receipts();
    const answer = await post('/graphql', `{"query":${JSON.stringify(PUBLISH_EVENT)},"variables":{"input":${deepEnvelopeText()}}}`);
    expect(answer.status).toBe(200);
    const result = (answer.body.data as { publishEvent: { __typename: string; kind: string; issues: { path: string; message: string }[] } }).publishEvent;
    expect(result).toMatchObject({ __typename: 'ValidationError', kind: 'over-limit', issues: [{ message: 'nests deeper than 32 levels' }] });
    expect(result.issues[0]!.path).toMatch(/^data\.deep\.d\.d/);
    expect(await receipts()).toBe(before);
  });

  it('refuses data nested 10,000 deep written inline in the query, and records nothing', async () => {
    const before = await receipts();
    const e = validEnvelope('appointment.confirmed');
    const literal = `${'{d: '.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const query = `mutation { publishEvent(input: { eventId: ${JSON.stringify(e.eventId)}, type: ${JSON.stringify(e.type)}, occurredAt: ${JSON.stringify(e.occurredAt)}, data: { deep: ${literal} } }) { __typename ... on ValidationError { kind } } }`;
    const answer = await post('/graphql', JSON.stringify({ query }));
    const refused = answer.body.errors !== undefined || (answer.body.data as { publishEvent: { __typename: string } }).publishEvent.__typename === 'ValidationError';
    expect(refused).toBe(true);
    expect(await receipts()).toBe(before);
  });

  it('answers a failure while handling as a masked error with code INTERNAL and an error id, and records nothing', async () => {
    const before = await receipts();
    const input = validEnvelope('lab.test_requested', { eventId: `${THROWS}1` });
    const answer = await post('/graphql', JSON.stringify({ query: PUBLISH_EVENT, variables: { input } }));
    const errors = answer.body.errors as { message: string; extensions: Record<string, unknown> }[];
    expect(errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown } })]);
    expect(JSON.stringify(answer.body)).not.toMatch(/TypeError|cannot read|stack|node_modules/);
    expect(loggedWith(errors[0]!.extensions.errorId)).toEqual([expect.objectContaining({ msg: 'graphql request failed' })]);
    expect(await receipts()).toBe(before);
  });
});

describe('POST /events', () => {
  it('answers 400 naming the path for data nested 10,000 deep', async () => {
    const answer = await post('/events', deepEnvelopeText());
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { kind: 'over-limit', issues: [{ message: 'nests deeper than 32 levels' }] } });
  });

  it('answers 503 with an error id when the ledger is unavailable, and 500 for any other failure; never a stack', async () => {
    const before = await receipts();
    const unavailable = await post('/events', JSON.stringify(validEnvelope('lab.test_requested', { eventId: `${UNAVAILABLE}1` })));
    expect(unavailable).toEqual({ status: 503, body: { error: 'ledger-unavailable', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown } });
    const failed = await post('/events', JSON.stringify(validEnvelope('lab.test_requested', { eventId: `${THROWS}2` })));
    expect(failed).toEqual({ status: 500, body: { error: 'internal', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown } });
    expect(loggedWith(unavailable.body.errorId)).toEqual([expect.objectContaining({ msg: 'ledger unavailable; event not recorded' })]);
    expect(loggedWith(failed.body.errorId)).toEqual([expect.objectContaining({ msg: 'recording an event failed', error: expect.objectContaining({ type: 'TypeError' }) as unknown })]);
    expect(await receipts()).toBe(before);
  });
});
