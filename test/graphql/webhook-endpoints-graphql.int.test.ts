import { graphql as execute } from 'graphql';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWebhookTarget, describeRefusal, type ResolveHostname } from '../../src/channels/webhooks-out/ssrf-guard.ts';
import { openSecret } from '../../src/domain/keys/ledger-keys.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import type { GraphqlContext } from '../../src/graphql/context.ts';
import { DeliveryFeed } from '../../src/graphql/delivery-feed.ts';
import { schema } from '../../src/graphql/schema/index.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { fixedClock } from '../support/clock.ts';
import { ADMIN_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';

const clock = fixedClock(new Date());
let service: TestService;

// Names resolve from this table only: nothing is looked up, nothing is called.
const DNS: Record<string, string[]> = {
  'his.clinic.example': ['93.184.216.34'],
  'internal.clinic.example': ['10.0.0.1'],
  'mixed.clinic.example': ['93.184.216.34', '127.0.0.1'],
};
const resolve: ResolveHostname = async (hostname) => {
  const answer = DNS[hostname];
  if (!answer) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return answer;
};

beforeAll(async () => {
  service = await startTestService({ clock });
});
afterAll(async () => service?.stop());

const callers = {
  [ADMIN_TOKEN]: { name: 'alice-admin', role: 'admin' },
  [DASHBOARD_TOKEN]: { name: 'wall-dashboard', role: 'dashboard' },
} as const;

async function graphql(token: keyof typeof callers, query: string, variables: Record<string, unknown> = {}) {
  const contextValue: GraphqlContext = {
    caller: callers[token],
    services: {
      store: service.store,
      db: service.db,
      cells: service.cells,
      keys: service.keys,
      intake: service.intake,
      clock,
      feed: new DeliveryFeed({ db: service.db, logger: silentLogger() }),
      logger: silentLogger(),
      webhooks: {
        keys: service.keys,
        checkTarget: async (url) => {
          const checked = await checkWebhookTarget(url, { allowPrivate: false, resolve });
          return checked.ok ? null : describeRefusal(checked.error);
        },
      },
    },
  };
  return (await execute({ schema, source: query, variableValues: variables, contextValue })) as { data?: Record<string, Record<string, unknown>> | null; errors?: readonly { message: string }[] };
}

const CREATE = `mutation ($url: String!, $kinds: [String!]!, $description: String, $includeContacts: Boolean) {
  createWebhookEndpoint(url: $url, eventKinds: $kinds, description: $description, includeContacts: $includeContacts) {
    __typename
    ... on WebhookEndpointSecret { secret endpoint { id url eventKinds description includeContacts enabled signingSecrets createdBy version } }
    ... on ValidationError { issues { path message } }
  }
}`;
const ROTATE = `mutation ($id: ID!) { rotateWebhookSecret(id: $id) {
  __typename ... on WebhookEndpointSecret { secret previousSecretValidUntil endpoint { signingSecrets version } } ... on NotFoundError { message }
} }`;
const SET_ENABLED = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { __typename ... on WebhookEndpoint { enabled disabledReason version } ... on NotFoundError { message } } }`;

describe('webhook endpoints', () => {
  let endpointId = '';
  let firstSecret = '';

  it('creates an endpoint, answers its whsec_ secret once, and keeps it in the ledger only sealed, with the actor', async () => {
    const { data } = await graphql(ADMIN_TOKEN, CREATE, { url: 'https://his.clinic.example/hooks/notifications', kinds: ['notification.status_changed', 'notification.failed'], description: 'HIS' });
    const created = data!.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
    expect(created).toMatchObject({
      __typename: 'WebhookEndpointSecret',
      endpoint: { url: 'https://his.clinic.example/hooks/notifications', eventKinds: ['notification.status_changed', 'notification.failed'], description: 'HIS', includeContacts: false, enabled: true, signingSecrets: 1, createdBy: 'alice-admin', version: 1 },
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    endpointId = created.endpoint.id;
    firstSecret = created.secret;

    const [recorded] = await readStreamToArray(service.store, streamName.webhookEndpoint(endpointId));
    expect(recorded).toMatchObject({ type: 'WebhookEndpointCreated', metadata: { actor: 'alice-admin' } });
    const text = JSON.stringify(recorded!.data);
    expect(text).not.toContain(firstSecret.slice('whsec_'.length));
    const sealed = (recorded!.data as { sealedSecret: string }).sealedSecret;
    expect(openSecret(service.keys.webhookSecrets, sealed, endpointId)).toEqual({ ok: true, value: firstSecret });
    // The secret works with the reference library as a receiver would use it.
    expect(() => new Webhook(firstSecret)).not.toThrow();

    await service.whenProcessed(recorded!.position);
    const listed = await graphql(ADMIN_TOKEN, '{ webhookEndpoints { id url enabled } }');
    expect(listed.data!.webhookEndpoints).toEqual([{ id: endpointId, url: 'https://his.clinic.example/hooks/notifications', enabled: true }]);
  });

  it('refuses, by field, a URL the service must never call, and bad kinds, recording nothing', async () => {
    const refusals: [string, RegExp][] = [
      ['https://internal.clinic.example/hooks', /resolves to a private address/],
      ['https://127.0.0.1/hooks', /resolves to a loopback address/],
      ['https://mixed.clinic.example/hooks', /resolves to a loopback address/],
      ['http://his.clinic.example/hooks', /must use https/],
      ['https://nowhere.clinic.example/hooks', /does not resolve/],
    ];
    for (const [url, message] of refusals) {
      const { data } = await graphql(ADMIN_TOKEN, CREATE, { url, kinds: ['notification.failed'] });
      expect(data!.createWebhookEndpoint, url).toEqual({ __typename: 'ValidationError', issues: [{ path: 'url', message: expect.stringMatching(message) }] });
    }
    const bad = await graphql(ADMIN_TOKEN, CREATE, { url: 'https://his.clinic.example/x', kinds: ['notification.failed', 'notification.failed', 'billing.everything'] });
    expect((bad.data!.createWebhookEndpoint as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['eventKinds[1]', 'eventKinds[2]']);
    await service.whenProcessed((await service.store.headPosition())!);
    expect((await graphql(ADMIN_TOKEN, '{ webhookEndpoints { id } }')).data!.webhookEndpoints).toHaveLength(1);
  });

  it('rotates the secret: both sign for 24 hours, then only the new one', async () => {
    const { data } = await graphql(ADMIN_TOKEN, ROTATE, { id: endpointId });
    const rotated = data!.rotateWebhookSecret as { secret: string; previousSecretValidUntil: string; endpoint: { signingSecrets: number; version: number } };
    expect(rotated.secret).not.toBe(firstSecret);
    expect(rotated.endpoint).toEqual({ signingSecrets: 2, version: 2 });
    expect(new Date(rotated.previousSecretValidUntil).getTime()).toBe(clock.now().getTime() + 24 * 3600_000);
    const events = await readStreamToArray(service.store, streamName.webhookEndpoint(endpointId));
    expect(events.map((e) => [e.type, e.metadata.actor])).toEqual([['WebhookEndpointCreated', 'alice-admin'], ['WebhookSecretRotated', 'alice-admin']]);
    clock.advance(24 * 3600_000 + 1000);
    await service.whenProcessed(events.at(-1)!.position);
    const later = await graphql(ADMIN_TOKEN, '{ webhookEndpoints { signingSecrets } }');
    expect(later.data!.webhookEndpoints).toEqual([{ signingSecrets: 1 }]);
  });

  it('disables and enables an endpoint with the actor, and answers NotFoundError for one that does not exist', async () => {
    const disabled = await graphql(ADMIN_TOKEN, SET_ENABLED('disableWebhookEndpoint'), { id: endpointId });
    expect(disabled.data!.disableWebhookEndpoint).toEqual({ __typename: 'WebhookEndpoint', enabled: false, disabledReason: 'admin', version: 3 });
    const again = await graphql(ADMIN_TOKEN, SET_ENABLED('disableWebhookEndpoint'), { id: endpointId });
    expect(again.data!.disableWebhookEndpoint).toMatchObject({ enabled: false, version: 3 });
    const enabled = await graphql(ADMIN_TOKEN, SET_ENABLED('enableWebhookEndpoint'), { id: endpointId });
    expect(enabled.data!.enableWebhookEndpoint).toEqual({ __typename: 'WebhookEndpoint', enabled: true, disabledReason: null, version: 4 });
    const missing = await graphql(ADMIN_TOKEN, ROTATE, { id: 'no-such-endpoint' });
    expect(missing.data!.rotateWebhookSecret).toEqual({ __typename: 'NotFoundError', message: 'No webhook endpoint with id no-such-endpoint' });
  });

  it('is for admins only', async () => {
    const denied = await graphql(DASHBOARD_TOKEN, CREATE, { url: 'https://his.clinic.example/hooks', kinds: ['notification.failed'] });
    expect(denied.errors?.[0]?.message).toMatch(/not authorized/i);
    const list = await graphql(DASHBOARD_TOKEN, '{ webhookEndpoints { id } }');
    expect(list.errors?.[0]?.message).toMatch(/not authorized/i);
  });
});
