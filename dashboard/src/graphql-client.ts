import type { z } from 'zod';

/** The server refused the token (401, or a GraphQL error saying so). */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

export class GraphqlError extends Error {
  override readonly name: string = 'GraphqlError';
}

/** The token is good, but its role may not ask for this (a front desk asking for notifications). */
export class ForbiddenError extends GraphqlError {
  override readonly name = 'ForbiddenError';
}

interface GraphqlResponse {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const ENDPOINT = '/graphql';

/** Queries over POST, subscriptions over server-sent events, both with the bearer token. */
export class GraphqlClient {
  constructor(private readonly token: string) {}

  async request<T>(query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    const response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    if (response.status === 401 || response.status === 403) throw new UnauthorizedError('The token was refused.');
    const body = (await response.json().catch(() => ({}))) as GraphqlResponse;
    return unwrap(body, schema);
  }

  /**
   * Subscribes over SSE (graphql-yoga's single-connection-per-operation mode). Calls `onData` with
   * each payload; `onStatus` says when the stream is live or lost. Resubscribes with a growing
   * delay after a failure, and calls `onStatus('live')` again so the caller can catch up.
   */
  subscribe(query: string, variables: Record<string, unknown>, handlers: SubscriptionHandlers): () => void {
    const controller = new AbortController();
    let delayMs = 500;
    const run = async (): Promise<void> => {
      while (!controller.signal.aborted) {
        try {
          await this.#stream(query, variables, handlers, controller.signal, () => {
            delayMs = 500;
          });
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof UnauthorizedError) return handlers.onStatus('unauthorized');
          handlers.onStatus('reconnecting', error instanceof Error ? error.message : String(error));
        }
        if (controller.signal.aborted) return;
        handlers.onStatus('reconnecting');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, 15_000);
      }
    };
    void run();
    return () => controller.abort();
  }

  async #stream(query: string, variables: Record<string, unknown>, handlers: SubscriptionHandlers, signal: AbortSignal, onOpen: () => void): Promise<void> {
    const response = await fetch(ENDPOINT, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    if (response.status === 401 || response.status === 403) throw new UnauthorizedError('The token was refused.');
    if (!response.ok || !response.body) throw new GraphqlError(`subscription failed with HTTP ${response.status}`);
    onOpen();
    handlers.onStatus('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message = parseSseBlock(block);
        if (message?.event === 'complete') return;
        if (message?.event === 'next' && message.data) {
          const payload = JSON.parse(message.data) as GraphqlResponse;
          if (payload.errors?.length) handlers.onError(payload.errors.map((e) => e.message).join('; '));
          else handlers.onData(payload.data);
        }
      }
    }
  }
}

export type SubscriptionStatus = 'live' | 'reconnecting' | 'unauthorized';

export interface SubscriptionHandlers {
  onData(data: unknown): void;
  onError(message: string): void;
  onStatus(status: SubscriptionStatus, detail?: string): void;
}

function parseSseBlock(block: string): { event: string; data: string } | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 && event === 'message' ? null : { event, data: data.join('\n') };
}

function unwrap<T>(body: GraphqlResponse, schema: z.ZodType<T>): T {
  if (body.errors?.length) {
    const message = body.errors.map((e) => e.message).join('; ');
    // A role's refusal says FORBIDDEN: the token stays good for what it may do.
    if (body.errors.every((e) => e.extensions?.code === 'FORBIDDEN')) throw new ForbiddenError(message);
    const unauthorized = body.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED' || /not authori[sz]ed|unauthori[sz]ed|token/i.test(e.message));
    throw unauthorized ? new UnauthorizedError(message) : new GraphqlError(message);
  }
  const parsed = schema.safeParse(body.data);
  if (!parsed.success) throw new GraphqlError(`Unexpected answer from the server: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  return parsed.data;
}
