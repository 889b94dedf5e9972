import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';

const REQUEST_TIMEOUT_MS = 15_000;
const WAIT_MS = 20_000;

/** One GraphQL request of the demo's, with the token given; its errors thrown as one message. */
export async function graphql(baseUrl: string, token: string, query: string, variables: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(new URL('/graphql', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = z.object({ data: z.unknown().optional(), errors: z.array(z.object({ message: z.string() })).optional() }).parse(await response.json());
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

/** What `read` answers once it is not null, asked every 250 ms for up to 20 s; null if it never is. */
export async function waitFor<T>(read: () => Promise<T | null>): Promise<T | null> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const value = await read();
    if (value !== null) return value;
    await delay(250);
  }
  return null;
}
