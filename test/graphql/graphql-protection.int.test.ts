import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { DeliveryFeed } from '../../src/graphql/delivery-feed.ts';
import { createGraphqlServer, GRAPHQL_PATH, type GraphqlServer } from '../../src/graphql/graphql-server.ts';
import { HttpServer } from '../../src/http/http-server.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { TEST_DATABASE_URL } from '../support/env.ts';
import { AUDITOR_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { gql } from './support/graphql-client.ts';

let service: TestService;
// The same API in front of a database that does not exist, so every read fails inside the driver.
let broken: { http: HttpServer; graphql: GraphqlServer; connection: SqlConnection; url: URL };

beforeAll(async () => {
  service = await startTestService({ clock: fixedClock(FIXTURE_NOW) });
  const missing = new URL(TEST_DATABASE_URL);
  missing.pathname = '/cnl_no_such_database';
  const connection = connectPostgres(missing.href);
  const db = connection.readModels as Kysely<ReadModelDatabase>;
  const logger = silentLogger();
  const graphql = createGraphqlServer({
    tokens: service.tokens,
    services: { store: service.store, db, cells: service.cells, keys: service.keys, intake: service.intake, clock: fixedClock(), feed: new DeliveryFeed({ db, logger }), logger },
    logger,
    dev: true,
  });
  const http = new HttpServer(logger).route('GET', GRAPHQL_PATH, graphql.handle).route('POST', GRAPHQL_PATH, graphql.handle);
  broken = { http, graphql, connection, url: await http.listen(0, '127.0.0.1') };
});
afterAll(async () => {
  await broken?.graphql.close();
  await broken?.http.close();
  await broken?.connection.close();
  await service?.stop();
});

/** notification { inboundEvent { notifications { inboundEvent { ... leaf } } } }: `levels` wrappers, so depth levels + 2. */
const nested = (levels: number): string => {
  const wrappers = Array.from({ length: levels }, (_, j) => (j % 2 === 0 ? 'inboundEvent' : 'notifications'));
  const leaf = wrappers.at(-1) === 'inboundEvent' ? 'eventId' : 'id';
  const selection = wrappers.reduceRight((inner, field) => `${field} { ${inner} }`, leaf);
  return `{ notification(id: "00000000-0000-8000-8000-000000000000") { ${selection} } }`;
};

describe('query limits', () => {
  it('refuse an operation nested deeper than 10 levels, before running it', async () => {
    const result = await gql(service, DASHBOARD_TOKEN, nested(9));
    expect(result.errors.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_DEEP']);
    expect(result.data).toBeNull();
  });

  it('let an operation 10 levels deep past the depth check, and count the lists nested in it', async () => {
    const tenDeep = await gql(service, DASHBOARD_TOKEN, nested(8));
    expect(tenDeep.errors.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COSTLY']);
    const shallower = await gql(service, DASHBOARD_TOKEN, nested(4));
    expect(shallower.errors).toEqual([]);
  });

  it('refuse an operation that asks for too much work, counting page sizes given as variables', async () => {
    const query = `query ($n: Int) { notifications(first: $n) { edges { node { timeline { type } inboundEvent { notifications { timeline { type } } } } } } }`;
    const tooMuch = await gql(service, AUDITOR_TOKEN, query, { n: 200 });
    expect(tooMuch.errors.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COSTLY']);
    const enough = await gql(service, AUDITOR_TOKEN, query, { n: 5 });
    expect(enough.errors).toEqual([]);
  });

  it('let a full page of notifications with their timelines through', async () => {
    const result = await gql(service, AUDITOR_TOKEN, '{ notifications(first: 200) { edges { node { id recipient { address } timeline { type data } } } } }');
    expect(result.errors).toEqual([]);
  });

  it('cap the ledger page at 200 entries', async () => {
    const result = await gql(service, AUDITOR_TOKEN, '{ ledger(stream: "inbound-x", limit: 500) { type } }');
    expect(result.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(result.errors)).toContain('limit');
  });
});

describe('errors', () => {
  it('answer a failure inside the database driver as "Unexpected error." with no SQL, driver message or stack', async () => {
    const result = await gql({ url: broken.url }, DASHBOARD_TOKEN, '{ notifications(first: 1) { edges { cursor } } }');
    expect(result.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', extensions: expect.objectContaining({ code: 'INTERNAL', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown }) })]);
    const text = JSON.stringify(result);
    for (const leak of ['cnl_no_such_database', 'does not exist', 'select', 'stack', 'node_modules']) expect(text).not.toContain(leak);
  });
});

describe('GraphiQL', () => {
  const page = (url: URL) => fetch(new URL(GRAPHQL_PATH, url), { headers: { accept: 'text/html' } });

  it('is served in development', async () => {
    const response = await page(broken.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('GraphiQL');
  });

  it('is not served otherwise: the page asks for a token like any request', async () => {
    const response = await page(service.url);
    expect(response.status).toBe(401);
  });
});
