import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { createGraphQLError, createYoga, maskError, type YogaInitialContext } from 'graphql-yoga';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ApiTokens } from '../http/api-tokens.ts';
import { sendJson } from '../http/http-server.ts';
import type { Logger } from '../telemetry/logger.ts';
import { authorizationParam, callerFrom, type GraphqlContext, type GraphqlServices } from './context.ts';
import { DEFAULT_QUERY_LIMITS, useQueryLimits, type QueryLimits } from './protection/query-limits-plugin.ts';
import { schema } from './schema/index.ts';

export const GRAPHQL_PATH = '/graphql';
/** Largest request body: a publishEvent carries an envelope of up to 1 MiB, JSON-escaped once more. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface GraphqlServerOptions {
  tokens: ApiTokens;
  services: GraphqlServices;
  logger: Logger;
  /** GraphiQL at GET /graphql in a browser. */
  dev: boolean;
  limits?: QueryLimits;
}

type ServerContext = { req: IncomingMessage; res: ServerResponse };

/**
 * /graphql over HTTP (queries, mutations, subscriptions as server-sent events) and over the
 * graphql-ws WebSocket protocol on the same server. A request without a known bearer token is
 * refused before it reaches the schema (401); over WebSocket the token comes in the connection's
 * init payload and a connection without one is closed (4403).
 */
export function createGraphqlServer(options: GraphqlServerOptions) {
  const { tokens, services, logger } = options;
  const yoga = createYoga<ServerContext, GraphqlContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: options.dev ? { subscriptionsProtocol: 'WS', title: 'Clinic notification ledger' } : false,
    landingPage: false,
    batching: false,
    logging: false,
    // Declared errors (GraphQLErrors: auth refusals, bad arguments) reach the client; anything else
    // (a driver error with SQL in it, a bug) is logged here and answered "Unexpected error." with
    // code INTERNAL and an error id, the one the log line carries, so a caller can report it.
    maskedErrors: {
      maskError: (error, message) => {
        const masked = maskError(error, message, false);
        if (masked === error) return masked;
        const errorId = randomUUID();
        logger.error({ err: error, errorId }, 'graphql request failed');
        const located = masked as Partial<GraphQLError>;
        return createGraphQLError(masked.message, {
          nodes: located.nodes,
          source: located.source,
          positions: located.positions,
          path: located.path,
          extensions: { code: 'INTERNAL', errorId },
        });
      },
    },
    context: (initial: YogaInitialContext & { connectionParams?: unknown }): GraphqlContext => ({
      caller: callerFrom(tokens, initial),
      services,
    }),
    plugins: [useQueryLimits(options.limits ?? DEFAULT_QUERY_LIMITS)],
  });

  const sockets = new WebSocketServer({ noServer: true });
  const wsServer = useServer<Record<string, unknown>>(
    {
      onConnect: (ctx) => tokens.identify(authorizationParam(ctx.connectionParams)) !== null,
      execute: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies EnvelopedRoot,
        };
        const errors = enveloped.validate(args.schema, args.document);
        return errors.length > 0 ? errors : args;
      },
    },
    sockets,
  );

  return {
    /** The route handler for GET and POST /graphql. */
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (options.dev && req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
        await yoga.handle(req, res, { req, res });
        return;
      }
      if (!tokens.identify(req.headers.authorization)) {
        return sendJson(res, 401, { errors: [{ message: 'Missing or unknown bearer token', extensions: { code: 'UNAUTHENTICATED' } }] }, {
          'www-authenticate': 'Bearer',
        });
      }
      if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
        return sendJson(res, 413, { errors: [{ message: `Request body is over ${MAX_BODY_BYTES} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
      }
      await yoga.handle(req, res, { req, res });
    },

    /** Takes WebSocket upgrades for /graphql on the service's HTTP server; other paths are left alone. */
    attach(server: Server): void {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname !== GRAPHQL_PATH) return;
        sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
      });
    },

    async close(): Promise<void> {
      services.feed.close();
      await wsServer.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await yoga.dispose();
    },
  };
}

export type GraphqlServer = ReturnType<typeof createGraphqlServer>;

/** Yoga's enveloped execute and subscribe, carried to graphql-ws's executor in rootValue. */
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}
