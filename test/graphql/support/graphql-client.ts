import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Service } from '../../../src/service.ts';
import { until } from '../../support/until.ts';

export interface GraphqlError {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface GraphqlResponse<T> {
  status: number;
  data: T | null;
  errors: GraphqlError[];
}

/** One query or mutation over HTTP, as a client sends it. `token: null` sends no Authorization header. */
export async function gql<T>(service: Pick<Service, 'url'>, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlResponse<T>> {
  const response = await fetch(new URL('/graphql', service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphqlError[] };
  return { status: response.status, data: body.data ?? null, errors: body.errors ?? [] };
}

/** The data of a query that must succeed. */
export async function gqlData<T>(service: Pick<Service, 'url'>, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await gql<T>(service, token, query, variables);
  if (result.errors.length > 0 || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

export interface LiveSubscription<T> {
  /** Every `data` received so far, in order. */
  readonly received: T[];
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** A subscription over graphql-ws, the token in the connection's init payload as browsers send it. */
export function subscribeOverWebSocket<T>(service: Pick<Service, 'url'>, token: string, query: string, variables: Record<string, unknown> = {}): LiveSubscription<T> & { client: Client } {
  const url = new URL('/graphql', service.url);
  url.protocol = 'ws:';
  const client = createClient({ url: url.href, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
  const received: T[] = [];
  const errors: unknown[] = [];
  const unsubscribe = client.subscribe<T>({ query, variables }, {
    next: (value) => (value.errors ? errors.push(...value.errors) : received.push(value.data as T)),
    error: (error) => errors.push(error),
    complete: () => undefined,
  });
  return {
    client,
    received,
    errors,
    close: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** A subscription as server-sent events: POST /graphql with `accept: text/event-stream`, read with fetch. */
export function subscribeOverSse<T>(service: Pick<Service, 'url'>, token: string, query: string, variables: Record<string, unknown> = {}): LiveSubscription<T> & { status: Promise<number> } {
  const controller = new AbortController();
  const received: T[] = [];
  const errors: unknown[] = [];
  let resolveStatus: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  const reading = (async () => {
    const response = await fetch(new URL('/graphql', service.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    });
    resolveStatus(response.status);
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (!data) continue;
        const payload = JSON.parse(data) as { data?: T; errors?: unknown[] };
        if (payload.errors) errors.push(...payload.errors);
        else if (payload.data) received.push(payload.data);
      }
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) errors.push(error);
  });
  return {
    received,
    errors,
    status,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

/**
 * Resolves once the service holds exactly `count` live deliveryUpdated subscriptions (SSE and
 * WebSocket alike). Wait for 0 before subscribing, so a subscription another test is still closing
 * is not taken for the new one.
 */
export async function untilSubscribed(service: Pick<Service, 'metrics'>, count: number): Promise<void> {
  await until(async () => {
    const metric = service.metrics.getSingleMetric('graphql_delivery_subscriptions');
    const value = (await metric?.get())?.values[0]?.value ?? 0;
    return value === count;
  }, { what: `exactly ${count} live subscriptions` });
}
