import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Clock } from '../../../src/domain/clock.ts';
import type { Service } from '../../../src/service.ts';
import { validEnvelope, type RawEnvelope } from '../../support/envelopes.ts';
import { INGEST_TOKEN } from '../../support/service.ts';
import { gqlData } from './graphql-client.ts';

/**
 * A confirmation at a centre of its own, so a test's subscriptions hear only what it publishes;
 * its slot ahead of `clock` (the service's clock).
 */
export function confirmedAtNewCentre(clock?: Clock): { raw: RawEnvelope; centreId: string } {
  const centreId = `centre-${randomUUID()}`;
  const raw = validEnvelope('appointment.confirmed', {}, clock);
  const data = raw.data as { centre: Record<string, unknown> };
  data.centre = { ...data.centre, id: centreId };
  return { raw, centreId };
}

export const PUBLISH_EVENT = `mutation Publish($input: PublishEventInput!) {
  publishEvent(input: $input) {
    __typename
    ... on EventAccepted { eventId receipt position }
    ... on EventDuplicate { eventId payloadMatches }
    ... on ValidationError { kind message issues { path message } }
  }
}`;

export async function publishOverGraphql(service: Pick<Service, 'url'>, raw: RawEnvelope, token = INGEST_TOKEN): Promise<void> {
  const data = await gqlData<{ publishEvent: { __typename: string } }>(service, token, PUBLISH_EVENT, { input: raw });
  expect(data.publishEvent.__typename).toBe('EventAccepted');
}

export async function publishOverHttp(service: Pick<Service, 'url'>, raw: RawEnvelope): Promise<void> {
  const response = await fetch(new URL('/events', service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: JSON.stringify(raw),
  });
  expect(response.status).toBe(202);
}
