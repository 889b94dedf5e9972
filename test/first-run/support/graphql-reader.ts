import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The token of `role` that the service made in its data folder at first start. */
export async function tokenFromDataDir(dataDir: string, role: string): Promise<string> {
  const tokens = JSON.parse(await readFile(join(dataDir, 'api-tokens.json'), 'utf8')) as { role: string; token: string }[];
  const token = tokens.find((t) => t.role === role)?.token;
  if (!token) throw new Error(`no ${role} token in ${dataDir}`);
  return token;
}

/** A GraphQL query with a bearer token; fails on any error in the answer. */
export async function graphql<T>(baseUrl: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(new URL('/graphql', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}
