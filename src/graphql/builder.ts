import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ZodPlugin from '@pothos/plugin-zod';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { toFieldIssues } from '../domain/intake/envelope.ts';
import { scopesOf, type AuthScopes } from './auth-scopes.ts';
import type { GraphqlContext } from './context.ts';

/**
 * The one Pothos builder. Each area adds its types and root fields in its own `schema/<type>.ts`
 * and imports it from `schema/index.ts`:
 *
 *   builder.queryField('routingRules', (t) => t.field({ type: [RoutingRule], authScopes: readers, resolve: ... }));
 *   builder.mutationField('createRoutingRule', (t) => t.field({
 *     type: RoutingRule, authScopes: admins, errors: { types: [ValidationError] }, args: ..., resolve: ...,
 *   }));
 *
 * Scope auth runs first, so a caller without the role learns nothing about the input it sent.
 */
export const builder = new SchemaBuilder<{
  Context: GraphqlContext;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin, ErrorsPlugin, ZodPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => scopesOf(context.caller),
    // A refusal is a declared error: it reaches the client with a code it can act on.
    unauthorizedError: (_parent, _context, _info, result) => new GraphQLError(result.message, { extensions: { code: 'FORBIDDEN' } }),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
  errors: {
    defaultTypes: [],
    directResult: true,
    defaultUnionOptions: { name: ({ parentTypeName, fieldName }) => resultName(parentTypeName, fieldName) },
  },
  zod: {
    // Arguments of queries that break their rules (a page over the cap): a client error naming the argument.
    validationError: (error) =>
      new GraphQLError('Invalid arguments', { extensions: { code: 'BAD_USER_INPUT', issues: toFieldIssues(error.issues) } }),
  },
});

function resultName(parentTypeName: string, fieldName: string): string {
  const field = `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result`;
  return parentTypeName === 'Mutation' ? field : `${parentTypeName}${field}`;
}

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value : new Date(value)).toISOString(),
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});

builder.scalarType('JSON', {
  description: 'Any JSON value: event data and metadata as recorded.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) => literalToJson(ast),
});

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 date and time, e.g. 2026-11-24T09:30:00Z');
  return date;
}

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return ast.value;
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    case Kind.VARIABLE:
      throw new GraphQLError('JSON literals cannot contain variables; pass the whole value as a variable');
  }
}
